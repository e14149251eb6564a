"""Forward-only SQL migrations per service schema (see docs/adr/0003).

Files ``NNNN_name.sql`` in a package's ``migrations`` folder run in order, each in its own
transaction, recorded in ``<schema>.schema_migrations``. An advisory lock makes concurrent
starts of several replicas safe. The messaging lib's outbox/inbox migrations run first.
"""

from __future__ import annotations

from importlib import resources
from importlib.resources.abc import Traversable

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from waops_observability import get_logger

log = get_logger(__name__)


def _sql_files(package: str) -> list[tuple[str, Traversable]]:
    folder = resources.files(package).joinpath("migrations")
    files = [f for f in folder.iterdir() if f.name.endswith(".sql")]
    return sorted(((f.name, f) for f in files), key=lambda item: item[0])


def migration_plan(service_package: str) -> list[tuple[str, str]]:
    plan = []
    for package, prefix in (("waops_messaging", "messaging/"), (service_package, "")):
        for name, file in _sql_files(package):
            plan.append((prefix + name, file.read_text(encoding="utf-8")))
    return plan


async def migrate(engine: AsyncEngine, schema: str, service_package: str) -> list[str]:
    """Apply pending migrations; returns the names applied."""
    applied_now: list[str] = []
    async with engine.connect() as lock_conn:
        await lock_conn.execute(
            text("SELECT pg_advisory_lock(hashtext(:key))"), {"key": f"waops-migrate-{schema}"}
        )
        try:
            async with engine.begin() as conn:
                await conn.execute(
                    text(
                        "CREATE TABLE IF NOT EXISTS schema_migrations ("
                        "name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())"
                    )
                )
                done = set(
                    (await conn.execute(text("SELECT name FROM schema_migrations"))).scalars()
                )
            for name, sql in migration_plan(service_package):
                if name in done:
                    continue
                async with engine.begin() as conn:
                    # The insert opens the transaction; the file then runs in it through the
                    # driver's simple-query path, which accepts several statements.
                    await conn.execute(
                        text("INSERT INTO schema_migrations (name) VALUES (:n)"), {"n": name}
                    )
                    raw = await conn.get_raw_connection()
                    await raw.driver_connection.execute(sql)  # type: ignore[union-attr]
                applied_now.append(name)
                log.info("migration.applied", schema=schema, migration=name)
        finally:
            await lock_conn.execute(
                text("SELECT pg_advisory_unlock(hashtext(:key))"),
                {"key": f"waops-migrate-{schema}"},
            )
    return applied_now

"""Create a database, and per service a login role owning its own schema (and nothing else).

Run with an administrator's URL by ``make run``, the test fixtures and ``waops-provision``;
compose and Kubernetes do the same from deploy/postgres/init.sql.
"""

from __future__ import annotations

import argparse
import asyncio
import re

import asyncpg
from sqlalchemy.engine import make_url

SERVICE_SCHEMAS = (
    "webhook_adapter",
    "conversation_engine",
    "orchestrator",
    "core",
    "notifier",
    "timeline",
    "audit",
)
_IDENT = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def role_for(schema: str) -> str:
    return f"waops_{schema}"


def service_url(admin_url: str, schema: str, database: str | None = None) -> str:
    """The URL a service uses: same server, the service's own role, no admin password."""
    url = make_url(admin_url).set(username=role_for(schema), password=None)
    if database:
        url = url.set(database=database)
    return url.render_as_string(hide_password=False)


def _check(name: str) -> str:
    if not _IDENT.match(name):
        raise ValueError(f"not a safe identifier: {name!r}")
    return name


async def create_database(admin_url: str, database: str) -> None:
    conn = await asyncpg.connect(
        make_url(admin_url).set(drivername="postgresql").render_as_string(hide_password=False)
    )
    try:
        exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", database)
        if not exists:
            try:
                await conn.execute(f'CREATE DATABASE "{_check(database)}"')
            except asyncpg.DuplicateDatabaseError:
                pass
    finally:
        await conn.close()


async def drop_database(admin_url: str, database: str) -> None:
    conn = await asyncpg.connect(
        make_url(admin_url).set(drivername="postgresql").render_as_string(hide_password=False)
    )
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{_check(database)}" WITH (FORCE)')
    finally:
        await conn.close()


async def provision_schemas(
    admin_url: str, database: str, schemas: tuple[str, ...] = SERVICE_SCHEMAS
) -> None:
    """Idempotent: roles (cluster-wide), then per schema ownership and no public access."""
    dsn = make_url(admin_url).set(drivername="postgresql", database=database)
    conn = await asyncpg.connect(dsn.render_as_string(hide_password=False))
    try:
        for schema in schemas:
            role = _check(role_for(schema))
            await conn.execute(
                f"DO $$ BEGIN CREATE ROLE {role} LOGIN; "
                "EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$"
            )
            await conn.execute(f"CREATE SCHEMA IF NOT EXISTS {_check(schema)} AUTHORIZATION {role}")
            await conn.execute(f"REVOKE ALL ON SCHEMA {schema} FROM PUBLIC")
        await conn.execute("REVOKE CREATE ON SCHEMA public FROM PUBLIC")
    finally:
        await conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description="Create the waops database, roles and schemas")
    parser.add_argument("--admin-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--database", default="waops")
    args = parser.parse_args()

    async def go() -> None:
        await create_database(args.admin_url, args.database)
        await provision_schemas(args.admin_url, args.database)

    asyncio.run(go())
    print(f"database {args.database}: schemas {', '.join(SERVICE_SCHEMAS)} ready")

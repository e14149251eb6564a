"""Database helpers for tests (thin wrappers over the service kit's provisioning)."""

from __future__ import annotations

from sqlalchemy.engine import make_url
from waops_service_kit.provision import create_database, drop_database, provision_schemas

__all__ = ["create_database", "drop_database", "provision_schemas", "with_database"]


def with_database(url: str, database: str) -> str:
    return make_url(url).set(database=database).render_as_string(hide_password=False)

"""pytest fixtures: a database and a vhost of the run's own, on real PostgreSQL and RabbitMQ."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass

import pytest
import pytest_asyncio

from waops_testing.infra import (
    Broker,
    InfraUnavailable,
    postgres_admin_url,
    rabbitmq_broker,
    unique_name,
)
from waops_testing.pg import create_database, drop_database, provision_schemas, with_database


@dataclass
class Infra:
    pg_admin_url: str
    broker: Broker


@dataclass
class Isolated:
    """One database (schemas and roles provisioned) and one vhost, for one test or module."""

    database: str
    admin_url: str  # admin URL pointing at ``database``
    vhost: str
    amqp_url: str


@pytest.fixture(scope="session")
def infra() -> Iterator[Infra]:
    try:
        with postgres_admin_url() as pg, rabbitmq_broker() as broker:
            yield Infra(pg, broker)
    except InfraUnavailable as exc:
        pytest.exit(str(exc), returncode=3)


class IsolatedFactory:
    def __init__(self, infra: Infra) -> None:
        self._infra = infra
        self._made: list[Isolated] = []

    async def make(self, prefix: str = "waops_t") -> Isolated:
        database = unique_name(prefix)
        vhost = unique_name(prefix)
        await create_database(self._infra.pg_admin_url, database)
        await provision_schemas(self._infra.pg_admin_url, database)
        await asyncio.to_thread(self._infra.broker.create_vhost, vhost)
        iso = Isolated(
            database=database,
            admin_url=with_database(self._infra.pg_admin_url, database),
            vhost=vhost,
            amqp_url=self._infra.broker.url_for(vhost),
        )
        self._made.append(iso)
        return iso

    async def cleanup(self) -> None:
        for iso in self._made:
            await drop_database(self._infra.pg_admin_url, iso.database)
            await asyncio.to_thread(self._infra.broker.delete_vhost, iso.vhost)
        self._made.clear()


@pytest_asyncio.fixture
async def isolated_factory(infra: Infra) -> AsyncIterator[IsolatedFactory]:
    factory = IsolatedFactory(infra)
    yield factory
    await factory.cleanup()


@pytest_asyncio.fixture
async def isolated(isolated_factory: IsolatedFactory) -> Isolated:
    return await isolated_factory.make()

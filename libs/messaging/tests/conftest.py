"""Fixtures of the messaging kit's own tests (the probe service: waops_testing.kit_probe)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio
from sqlalchemy.ext.asyncio import AsyncEngine
from waops_testing.kit_probe import probe_engine
from waops_testing.plugin import Isolated


@pytest_asyncio.fixture
async def kit_engine(isolated: Isolated) -> AsyncIterator[AsyncEngine]:
    """An engine on the probe's schema (kit_probe), migrated, in the test's own database."""
    engine = await probe_engine(isolated)
    yield engine
    await engine.dispose()

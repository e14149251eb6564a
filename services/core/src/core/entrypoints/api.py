"""The core's API document and routes: the shared kit (``waops_service_kit.api``) with the
core's clock and domain refusals plugged in."""

from __future__ import annotations

from collections.abc import Callable

from aiohttp import web
from waops_service_kit.api import Routes
from waops_service_kit.api import mount as mount_kit

from core.domain.clock import Clock
from core.domain.errors import DomainError

DESCRIPTION = (
    "The waops reference core: a travel-operations system behind the HTTP contract the "
    "orchestrator drives."
)


def mount(
    app: web.Application,
    groups: list[Routes],
    clock_of: Callable[[web.Request], Clock],
    *,
    title: str,
    version: str,
) -> None:
    """Route every operation of ``groups`` and serve their OpenAPI document."""
    mount_kit(
        app,
        groups,
        title=title,
        version=version,
        description=DESCRIPTION,
        clock_of=clock_of,
        refusals=(DomainError,),
    )

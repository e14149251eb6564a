"""What the core's routes reach through the app, typed (set once by the bootstrap): the
settings, the clock and the sweeper. Handlers never see it: routes hand them a ``UseCase``."""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web

from core.domain.clock import Clock
from core.handlers.sweeps import Sweeper
from core.settings import CoreSettings


@dataclass
class CoreDeps:
    settings: CoreSettings
    clock: Clock
    sweeper: Sweeper


DEPS: web.AppKey[CoreDeps] = web.AppKey("core_deps", CoreDeps)

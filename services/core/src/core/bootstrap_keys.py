"""What the core's routes reach through the app, typed (set once by the bootstrap)."""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web

from core.clock import Clock
from core.settings import CoreSettings
from core.sweeps import Sweeper


@dataclass
class CoreDeps:
    settings: CoreSettings
    clock: Clock
    sweeper: Sweeper


DEPS: web.AppKey[CoreDeps] = web.AppKey("core_deps", CoreDeps)

"""What each service consumes and publishes, from its own ``bootstrap.build_registry()``.

Imported lazily (by the event catalogue and the system tests), so the stack itself never
imports a service: it only starts them as processes.
"""

from __future__ import annotations

import importlib

from waops_messaging import HandlerRegistry

from waops_devstack.stack import SERVICES


def registries() -> dict[str, HandlerRegistry]:
    return {
        d.name: importlib.import_module(f"{d.package}.bootstrap").build_registry() for d in SERVICES
    }


def consumed_queues() -> list[str]:
    """Every queue some service consumes from (each partition of a partitioned one)."""
    return [
        name
        for registry in registries().values()
        for sub in registry.subscriptions
        for name in sub.queue.queue_names()
    ]

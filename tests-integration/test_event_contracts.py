"""The event spine's wiring, checked from the services' own registries: every event some
service consumes has a producer, every event published is a registered contract, and the
generated catalogue (docs/events.md) is current."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

from waops_contracts import EVENT_TYPES
from waops_devstack.registries import registries

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "event_catalogue.py"


def catalogue() -> ModuleType:
    spec = importlib.util.spec_from_file_location("event_catalogue", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_consumed_event_has_a_producer() -> None:
    regs = registries()
    published = set().union(*(r.publishes for r in regs.values()))
    for name, reg in regs.items():
        orphans = reg.consumes - published
        assert not orphans, f"{name} consumes events nobody publishes: {sorted(orphans)}"


def test_every_published_event_is_a_registered_contract() -> None:
    for name, reg in registries().items():
        unknown = reg.publishes - set(EVENT_TYPES)
        assert not unknown, f"{name} publishes unregistered types: {sorted(unknown)}"


def test_every_service_publishes_or_consumes_something() -> None:
    for name, reg in registries().items():
        assert reg.publishes or reg.subscriptions, f"{name} is not on the spine"


def test_the_event_catalogue_is_current() -> None:
    module = catalogue()
    assert module.OUTPUT.read_text() == module.render(), (
        "docs/events.md is stale: run python scripts/event_catalogue.py"
    )

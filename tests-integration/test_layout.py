"""Every service has the one layout the README describes (docs/adr/0027-one-layout.md), and the
import contracts cover every service. No infrastructure needed."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = sorted(p for p in ROOT.glob("services/*/src/*") if p.is_dir())

LAYERS = {"domain", "handlers", "adapters", "entrypoints", "migrations"}
REQUIRED = LAYERS | {"__init__.py", "__main__.py", "bootstrap.py", "py.typed", "settings.py"}
ALLOWED = REQUIRED | {"metrics.py", "templates"}  # templates: the notifier's texts, as data


def test_every_service_has_one_package() -> None:
    assert len(PACKAGES) == len(list(ROOT.glob("services/*/pyproject.toml")))


@pytest.mark.parametrize("package", PACKAGES, ids=lambda p: p.name)
def test_a_package_root_holds_the_layers_and_nothing_else(package: Path) -> None:
    entries = {p.name for p in package.iterdir() if p.name != "__pycache__"}
    assert REQUIRED - entries == set(), "missing"
    assert entries - ALLOWED == set(), "not in the layout: place it in a layer"
    for layer in LAYERS - {"migrations"}:
        assert (package / layer / "__init__.py").is_file(), f"{layer} is a package"


def test_the_import_contracts_cover_every_service() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    names = {p.name for p in PACKAGES}
    assert names <= set(config["root_packages"])
    contracts = {c["name"]: c for c in config["contracts"]}
    layers = [c for c in contracts.values() if c["type"] == "layers"]
    assert len(layers) == 1 and set(layers[0]["containers"]) == names
    assert layers[0]["layers"] == ["entrypoints", "handlers", "domain"]
    for contract in contracts.values():
        if contract["type"] == "forbidden":
            assert {m.split(".")[0] for m in contract["source_modules"]} == names

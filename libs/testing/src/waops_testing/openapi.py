"""Checks every service's API document is true: valid OpenAPI 3.1, naming every route the
app serves, and fuzzed by schemathesis without a 5xx or an answer outside its schema."""

from __future__ import annotations

import asyncio
import json
import re
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient
from openapi_spec_validator import validate

FUZZ_SEED = "20261126"


def served_routes(app: web.Application) -> set[tuple[str, str]]:
    """Every (method, path) the app routes; HEAD and OPTIONS come with GET and CORS."""
    routes = set()
    for route in app.router.routes():
        info = route.resource.get_info() if route.resource else {}
        path = info.get("path") or info.get("formatter")
        if route.method in {"HEAD", "OPTIONS"} or path is None:
            continue
        routes.add((route.method, path))
    return routes


def documented_routes(document: dict[str, Any]) -> set[tuple[str, str]]:
    return {
        (method.upper(), path)
        for path, operations in document["paths"].items()
        for method in operations
    }


async def checked_document(client: TestClient[Any, Any]) -> dict[str, Any]:
    """The app's /openapi.json, checked valid, naming exactly the served routes, with unique
    operation ids and every error answer in the shared error shape."""
    resp = await client.get("/openapi.json")
    assert resp.status == 200
    document: dict[str, Any] = await resp.json()
    assert document["openapi"].startswith("3.1")
    validate(document)  # raises with the offending path
    served = served_routes(client.app)
    documented = documented_routes(document)
    assert served - documented == set(), f"served but not documented: {served - documented}"
    assert documented - served == set(), f"documented but not served: {documented - served}"
    ids = [op["operationId"] for ops in document["paths"].values() for op in ops.values()]
    assert len(ids) == len(set(ids)), ids
    return document


async def fuzz(
    client: TestClient[Any, Any],
    tmp_path: Path,
    *,
    headers: Sequence[str] = (),
    exclude_paths: Sequence[str] = (),
    max_examples: int = 10,
) -> str:
    """Run schemathesis against the live test server with a fixed seed and a bounded number
    of examples per operation; fail on any 5xx or out-of-schema answer."""
    base = str(client.make_url("")).rstrip("/")
    schema_file = tmp_path / "openapi.json"
    schema_file.write_text(json.dumps(await (await client.get("/openapi.json")).json()))
    cli = shutil.which("schemathesis") or shutil.which("st")
    command = [cli] if cli else [sys.executable, "-m", "schemathesis.cli"]
    args = [
        "run",
        str(schema_file),
        "--url",
        base,
        "--checks",
        "not_a_server_error,response_schema_conformance",
        "--max-examples",
        str(max_examples),
        "--seed",
        FUZZ_SEED,
        "--workers",
        "1",
        "--generation-database",
        "none",
        # Hypothesis' health checks judge how the generator fares (examples filtered out,
        # slow generation), which varies with the machine's load: not the API's behaviour.
        "--suppress-health-check",
        "all",
        "--request-timeout",
        "20",
        "--no-color",
        "--report-dir",
        str(tmp_path / "report"),
    ]
    for header in headers:
        args += ["--header", header]
    for path in exclude_paths:
        args += ["--exclude-path", path]
    process = await asyncio.create_subprocess_exec(
        *command,
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        cwd=tmp_path,
    )
    output, _ = await asyncio.wait_for(process.communicate(), timeout=600)
    text = output.decode(errors="replace")
    assert process.returncode == 0, text[-6000:]
    generated = re.search(r"(\d+) generated", text)
    assert generated and int(generated.group(1)) > 0, text[-3000:]  # it really ran cases
    return text

"""The core's API as documented: the OpenAPI document is valid, names exactly the routes the
server answers, and a fuzzer (schemathesis) driving every operation gets no 5xx and no
response outside its documented schema."""

from __future__ import annotations

import asyncio
import json
import re
import shutil
import sys
from pathlib import Path
from typing import Any

from aiohttp import web
from openapi_spec_validator import validate

UNDOCUMENTED: set[str] = set()  # health, readiness, metrics and the document are documented too


def _served_routes(app: web.Application) -> set[tuple[str, str]]:
    routes = set()
    for route in app.router.routes():
        info = route.resource.get_info() if route.resource else {}
        path = info.get("path") or info.get("formatter")
        if route.method in {"HEAD", "OPTIONS"} or path in UNDOCUMENTED or path is None:
            continue
        routes.add((route.method, path))
    return routes


async def test_the_document_is_valid_openapi_and_matches_the_routes(core: Any) -> None:
    resp = await core.client.get("/openapi.json")
    assert resp.status == 200
    document = await resp.json()
    assert document["openapi"].startswith("3.1")
    validate(document)  # raises with the offending path when invalid
    documented = {
        (method.upper(), path)
        for path, operations in document["paths"].items()
        for method in operations
    }
    assert documented == _served_routes(core.client.app)
    operation_ids = [op["operationId"] for ops in document["paths"].values() for op in ops.values()]
    assert len(operation_ids) == len(set(operation_ids))


async def test_every_error_answer_has_the_documented_error_shape(core: Any) -> None:
    document = await (await core.client.get("/openapi.json")).json()
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            for status, answer in operation["responses"].items():
                if int(status) >= 400:
                    schema = answer["content"]["application/json"]["schema"]
                    assert schema == {"$ref": "#/components/schemas/Error"}, (method, path, status)


async def test_schemathesis_finds_no_server_error_anywhere(core: Any, tmp_path: Path) -> None:
    """Every operation fuzzed with valid and invalid input: never a 5xx, every answer within
    the schema the document promises (the run's report is kept under the test's tmp dir)."""
    base = str(core.client.make_url("")).rstrip("/")
    schema_file = tmp_path / "openapi.json"
    schema_file.write_text(json.dumps(await (await core.client.get("/openapi.json")).json()))
    cli = shutil.which("schemathesis") or shutil.which("st")
    command = [cli] if cli else [sys.executable, "-m", "schemathesis.cli"]
    process = await asyncio.create_subprocess_exec(
        *command,
        "run",
        str(schema_file),
        "--url",
        base,
        "--checks",
        "not_a_server_error,response_schema_conformance",
        "--exclude-path",
        "/v1/admin/clock",  # moving the clock is refused outside test mode: nothing to fuzz
        "--header",
        "X-Waops-Tenant: demo",
        "--max-examples",
        "15",
        "--seed",
        "20261126",
        "--workers",
        "1",
        "--generation-database",
        "none",
        "--request-timeout",
        "20",
        "--no-color",
        "--report-dir",
        str(tmp_path / "report"),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        cwd=tmp_path,
    )
    output, _ = await asyncio.wait_for(process.communicate(), timeout=600)
    text = output.decode(errors="replace")
    assert process.returncode == 0, text[-6000:]
    generated = re.search(r"(\d+) generated", text)
    assert generated and int(generated.group(1)) > 0, text[-3000:]  # it really ran cases

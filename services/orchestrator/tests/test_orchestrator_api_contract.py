"""The orchestrator's API as documented, against the REAL core: a valid OpenAPI 3.1 document
naming every served route, the back office behind one bearer mechanism (several keys at
once), and schemathesis finding no 5xx and no answer outside the schema."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from waops_testing.openapi import checked_document, fuzz

sys.path.insert(0, str(Path(__file__).parent))  # the tests' shared helpers (importlib mode)
from orchestrator_stack import API_TOKEN, OPERATIONS, TENANT, Stack

pytestmark = pytest.mark.integration


async def test_the_document_is_true_and_the_fuzzer_finds_no_server_error(
    stack: Stack, tmp_path: Path
) -> None:
    client = stack.orchestrator
    document = await checked_document(client)
    schemes = document["components"]["securitySchemes"]
    assert schemes == {"backOfficeToken": {**schemes["backOfficeToken"], "scheme": "bearer"}}
    close = document["paths"]["/v1/departures/{departure_id}/close"]["post"]
    assert close["security"] == [{"backOfficeToken": []}]
    assert {"401", "503"} <= set(close["responses"])
    assert "security" not in document["paths"]["/v1/commands/{command_id}"]["get"]
    await fuzz(
        client,
        tmp_path,
        headers=[
            f"X-Waops-Tenant: {TENANT}",
            f"Authorization: Bearer {API_TOKEN}",
            f"X-Waops-Actor-Id: {stack.staff_id(OPERATIONS)}",
        ],
        max_examples=5,
    )

"""The timeline's API as documented: a valid OpenAPI 3.1 document naming every served route,
and schemathesis finding no 5xx and no answer outside the schema."""

from __future__ import annotations

from pathlib import Path

import pytest
from timeline.bootstrap import create_app
from timeline.settings import TimelineSettings
from waops_testing.openapi import checked_document, fuzz
from waops_testing.plugin import Isolated
from waops_testing.services import running_service, settings_for

pytestmark = pytest.mark.integration


async def test_the_document_is_true_and_the_fuzzer_finds_no_server_error(
    isolated: Isolated, tmp_path: Path
) -> None:
    settings = settings_for(TimelineSettings, isolated, "timeline")
    async with running_service(create_app, settings) as client:
        await checked_document(client)
        await fuzz(client, tmp_path, headers=["X-Waops-Tenant: demo"])

"""The notifier's API as documented: a valid OpenAPI 3.1 document naming every served route,
one admin-token mechanism accepting every key of its list, and schemathesis finding no 5xx
and no answer outside the schema."""

from __future__ import annotations

from pathlib import Path

import pytest
from notifier.bootstrap import create_app
from notifier.settings import NotifierSettings
from waops_testing.openapi import checked_document, fuzz
from waops_testing.plugin import Isolated
from waops_testing.services import running_service, settings_for

pytestmark = pytest.mark.integration


async def test_the_document_is_true_and_the_fuzzer_finds_no_server_error(
    isolated: Isolated, tmp_path: Path
) -> None:
    settings = settings_for(NotifierSettings, isolated, "notifier", admin_token="new-key,old-key")
    async with running_service(create_app, settings) as client:
        document = await checked_document(client)
        resume = document["paths"]["/v1/channels/{id}/resume"]["post"]
        assert resume["security"] == [{"adminToken": []}]
        assert document["components"]["securitySchemes"]["adminToken"]["scheme"] == "bearer"
        for key, status in (("new-key", 409), ("old-key", 409), ("other", 401)):
            answer = await client.post(
                "/v1/channels/none/resume", headers={"Authorization": f"Bearer {key}"}
            )
            assert answer.status == status, key
        await fuzz(
            client,
            tmp_path,
            headers=["X-Waops-Tenant: demo", "Authorization: Bearer new-key"],
        )

"""The webhook adapter's API as documented: a valid OpenAPI 3.1 document naming every served
route (webhook doors with raw bodies, the admin API behind one bearer mechanism, media), key
rotation, Idempotency-Key on the admin API, and schemathesis finding no 5xx and no answer
outside the schema."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from waops_testing.openapi import checked_document, fuzz

pytestmark = pytest.mark.integration
CHANNEL = {"provider": "meta", "address": "123456789012345", "display_name": "Pokhara desk"}


async def test_the_document_is_true_and_the_fuzzer_finds_no_server_error(
    start_adapter: Any, tmp_path: Path
) -> None:
    async with start_adapter(admin_token="new-key,old-key") as adapter:
        client = adapter.client
        document = await checked_document(client)
        meta = document["paths"]["/webhooks/meta"]["post"]
        assert "security" not in meta  # a webhook is checked by its signature, not a token
        assert meta["requestBody"]["content"]["application/json"]["schema"] == {"type": "string"}
        assert {"200", "401"} <= set(meta["responses"])
        create = document["paths"]["/v1/admin/channels"]["post"]
        assert create["security"] == [{"adminToken": []}]
        assert {"401", "403", "503"} <= set(create["responses"])
        for key, status in (("new-key", 200), ("old-key", 200), ("other", 403)):
            assert (await adapter.admin("GET", "", token=key))[0] == status, key
        assert (await adapter.admin("GET", "", token=None))[0] == 401

        async def create_channel(key: str) -> tuple[int, dict[str, Any], str | None]:
            resp = await client.post(
                "/v1/admin/channels",
                json=CHANNEL,
                headers={"Authorization": "Bearer new-key", "Idempotency-Key": key},
            )
            return resp.status, await resp.json(), resp.headers.get("Idempotent-Replayed")

        first = await create_channel("create-pokhara")
        again = await create_channel("create-pokhara")
        assert first[0] == 201 and again[:2] == first[:2] and again[2] == "true"
        assert (await create_channel("another-key"))[0] == 409  # CHANNEL_EXISTS, as before

        await fuzz(
            client,
            tmp_path,
            headers=["X-Waops-Tenant: demo", "Authorization: Bearer new-key"],
        )

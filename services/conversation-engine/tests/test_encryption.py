"""Phones and message bodies at rest: sealed in every table, found through the blind index,
rows from before sealing sealed at start, and no start in production without the keys."""

from __future__ import annotations

import base64
import hashlib
import hmac
import sys
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from conversation_engine.adapters.rotation import reseal_all
from conversation_engine.adapters.sealing import Sealer
from conversation_engine.bootstrap import build_runtime, create_app
from conversation_engine.settings import ConversationSettings
from pydantic import ValidationError
from waops_contracts.events import StaffUpserted
from waops_service_kit.sealing import Keyring
from waops_testing.plugin import Isolated
from waops_testing.poll import eventually
from waops_testing.services import publish, running_service, service_db

sys.path.insert(0, str(Path(__file__).parent))  # the tests' shared helpers (importlib mode)
from conversation_support import (
    CHANNEL,
    CUSTOMER,
    INDEX_KEY,
    KEYS,
    SENT_AT,
    context_when,
    engine_settings,
    from_core,
    get_json,
    phone_query,
    received,
)

SALES = "+9779800000001"
SECRET_TEXT = "My passport number is N1234567, please keep it safe"
TABLES = ("actors", "conversations", "contexts", "messages")


def digits(phone: str) -> str:
    return phone.lstrip("+")


def blind_index(phone: str) -> bytes:
    key = base64.urlsafe_b64decode(INDEX_KEY + "=" * (-len(INDEX_KEY) % 4))
    return hmac.new(key, phone.encode(), hashlib.sha256).digest()


@pytest.mark.integration
async def test_no_clear_phone_or_body_is_stored_and_lookups_still_work(
    isolated: Isolated,
) -> None:
    async with (
        running_service(create_app, engine_settings(isolated)) as client,
        service_db(isolated, "conversation_engine") as db,
    ):
        sales = StaffUpserted(user_id="u-1", name="Sita Sharma", phone=SALES, role="SALES")
        await publish(isolated.amqp_url, from_core(sales, "STAFF/u-1"))

        async def directory_loaded() -> bool:
            return bool(await db.fetchval("SELECT count(*) FROM actors") == 1)

        await eventually(directory_loaded, what="the directory")
        await publish(
            isolated.amqp_url,
            received(SECRET_TEXT, provider_message_id="wamid.secret-1"),
            received("STATUS EBC-2501234", provider_message_id="wamid.sales-1", phone=SALES),
        )

        async def both_recorded() -> bool:
            return bool(await db.fetchval("SELECT count(*) FROM messages") == 2)

        await eventually(both_recorded, what="both messages")
        await context_when(client, SALES, lambda c: True)

        for table in TABLES:
            for row in await db.fetch(f"SELECT row_to_json(t)::text AS j FROM {table} t"):
                for clear in (digits(CUSTOMER), digits(SALES), "passport", "EBC-2501234"):
                    assert clear not in row["j"], f"{clear} in clear in {table}"

        # Found by blind index: HMAC-SHA256 of the E.164 phone under the index key.
        indexes = {
            bytes(r["phone_index"]) for r in await db.fetch("SELECT phone_index FROM contexts")
        }
        assert indexes == {blind_index(CUSTOMER), blind_index(SALES)}

        [conversation] = (
            await get_json(client, f"/v1/conversations?phone={phone_query(CUSTOMER)}")
        )["conversations"]
        assert conversation["phone"] == CUSTOMER
        full = await get_json(client, f"/v1/conversations/{conversation['id']}")
        assert [m["body"] for m in full["conversation"]["messages"]] == [SECRET_TEXT]
        # The directory is read through the index too: the sales phone is staff.
        [staff] = (await get_json(client, f"/v1/conversations?phone={phone_query(SALES)}"))[
            "conversations"
        ]
        assert staff["actor_role"] == "SALES"


@pytest.mark.integration
async def test_rows_written_before_sealing_are_sealed_at_start(isolated: Isolated) -> None:
    settings = engine_settings(isolated)
    async with running_service(create_app, settings):
        pass  # migrated
    conversation_id = uuid.uuid4()
    async with service_db(isolated, "conversation_engine") as db:
        # As the first slice wrote them: clear phones and bodies.
        await db.execute(
            "INSERT INTO actors (tenant_id, phone, user_id, name, role)"
            " VALUES ('demo', $1, 'u-1', 'Sita Sharma', 'SALES')",
            SALES,
        )
        await db.execute(
            "INSERT INTO conversations (id, tenant_id, channel_id, phone, actor_role,"
            " profile_name, state, started_at, last_inbound_at, expires_at)"
            " VALUES ($1, 'demo', $2, $3, 'CUSTOMER', 'Asha', 'OPEN', $4, $4, $5)",
            conversation_id,
            CHANNEL,
            CUSTOMER,
            SENT_AT,
            SENT_AT + timedelta(hours=24),
        )
        await db.execute(
            "INSERT INTO messages (conversation_id, direction, provider_message_id, kind, body,"
            " sent_at, received_at) VALUES ($1, 'in', 'wamid.legacy-1', 'text', $2, $3, $3)",
            conversation_id,
            SECRET_TEXT,
            SENT_AT,
        )

    async with (
        running_service(create_app, settings) as client,
        service_db(isolated, "conversation_engine") as db,
    ):
        assert await db.fetchval("SELECT count(*) FROM actors WHERE phone IS NOT NULL") == 0
        assert await db.fetchval("SELECT count(*) FROM conversations WHERE phone IS NOT NULL") == 0
        assert await db.fetchval("SELECT count(*) FROM messages WHERE body IS NOT NULL") == 0
        sealer = Sealer(KEYS, INDEX_KEY)
        sealed = await db.fetchrow("SELECT phone_index, phone_sealed FROM conversations")
        assert bytes(sealed["phone_index"]) == blind_index(CUSTOMER)
        assert sealer.unseal(sealed["phone_sealed"]) == CUSTOMER

        # The next message inside the window continues the legacy conversation.
        await publish(
            isolated.amqp_url,
            received(
                "still there?",
                provider_message_id="wamid.legacy-2",
                sent_at=SENT_AT + timedelta(hours=1),
            ),
        )

        async def two_messages() -> list[Any] | None:
            body = await get_json(client, f"/v1/conversations/{conversation_id}")
            messages: list[Any] = body["conversation"]["messages"]
            return messages if len(messages) == 2 else None

        messages = await eventually(two_messages, what="the second message")
        assert [m["body"] for m in messages] == [SECRET_TEXT, "still there?"]


@pytest.mark.integration
async def test_rotation_reseals_everything_under_the_newest_key(isolated: Isolated) -> None:
    async with (
        running_service(create_app, engine_settings(isolated)) as client,
        service_db(isolated, "conversation_engine") as db,
    ):
        sales = StaffUpserted(user_id="u-1", name="Sita Sharma", phone=SALES, role="SALES")
        await publish(
            isolated.amqp_url,
            from_core(sales, "STAFF/u-1"),
            received(SECRET_TEXT, provider_message_id="wamid.rotate-1"),
        )
        await context_when(client, CUSTOMER, lambda c: True)

        async def directory_loaded() -> bool:
            return bool(await db.fetchval("SELECT count(*) FROM actors") == 1)

        await eventually(directory_loaded, what="the directory")

    newest = Keyring.generate_key()
    rotated = engine_settings(isolated, conversation_keys=f"{newest},{KEYS}")
    runtime = build_runtime(rotated)
    try:
        # An actor, a conversation, a context and a message body.
        assert await reseal_all(runtime.engine, runtime.deps.sealer) == 4
    finally:
        await runtime.engine.dispose()

    # The old key can go: the newest alone opens everything.
    only_newest = engine_settings(isolated, conversation_keys=newest)
    async with running_service(create_app, only_newest) as client:
        [conversation] = (
            await get_json(client, f"/v1/conversations?phone={phone_query(CUSTOMER)}")
        )["conversations"]
        full = await get_json(client, f"/v1/conversations/{conversation['id']}")
        assert [m["body"] for m in full["conversation"]["messages"]] == [SECRET_TEXT]
    async with service_db(isolated, "conversation_engine") as db:
        for table, column in (("actors", "phone_sealed"), ("contexts", "phone_sealed")):
            for row in await db.fetch(f"SELECT {column} AS token FROM {table}"):
                assert Keyring(newest).unseal(row["token"]) in (CUSTOMER, SALES)


def test_production_refuses_to_start_without_the_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("WAOPS_CONVERSATION_KEYS", "WAOPS_CONVERSATION_INDEX_KEY", "WAOPS_ENV"):
        monkeypatch.delenv(var, raising=False)
    with pytest.raises(ValidationError) as neither:
        ConversationSettings(env="production")
    assert "WAOPS_CONVERSATION_KEYS and WAOPS_CONVERSATION_INDEX_KEY must be set" in str(
        neither.value
    )
    with pytest.raises(ValidationError, match="WAOPS_CONVERSATION_INDEX_KEY must be set"):
        ConversationSettings(env="production", conversation_keys=KEYS)
    configured = ConversationSettings(
        env="production", conversation_keys=KEYS, conversation_index_key=INDEX_KEY
    )
    assert (configured.uses_dev_keys, configured.sealing_keys) == (False, (KEYS, INDEX_KEY))
    # Outside production a bare run starts on public development keys (and says so).
    assert ConversationSettings().uses_dev_keys


def test_a_malformed_key_fails_the_start_naming_its_setting() -> None:
    with pytest.raises(ValueError, match="WAOPS_CONVERSATION_KEYS holds an invalid Fernet key"):
        Sealer("not-a-key", INDEX_KEY)
    with pytest.raises(ValueError, match="WAOPS_CONVERSATION_INDEX_KEY is too short"):
        Sealer(KEYS, "c2hvcnQ")

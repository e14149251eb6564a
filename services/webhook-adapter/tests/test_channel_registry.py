"""The channel registry: admin API (auth, CRUD, credentials for the notifier), credentials
encrypted at rest with a rotatable keyring, the CLI, and webhooks resolving through it."""

from __future__ import annotations

import asyncio
import os
import sys
from typing import Any

import pytest
from cryptography.fernet import Fernet
from waops_sandbox.twilio_payloads import inbound_params
from waops_service_kit.provision import service_url
from waops_testing.plugin import Isolated
from webhook_adapter.adapters.keyring import Keyring, KeyringUnavailable

pytestmark = pytest.mark.integration

StartAdapter = Any  # the start_adapter fixture (tests/conftest.py)
OLD, NEW = Fernet.generate_key().decode(), Fernet.generate_key().decode()
TWILIO_B = "+12025550142"
SECRET_TOKEN = "tenant-b-twilio-auth-token-1f0e"


def twilio_channel(**extra: Any) -> dict[str, Any]:
    return {
        "provider": "twilio",
        "address": "whatsapp:" + TWILIO_B,
        "tenant_id": "tenant-b",
        "display_name": "Tenant B (Twilio)",
        "credentials": {"account_sid": "AC" + "b" * 32, "auth_token": SECRET_TOKEN},
        **extra,
    }


def test_the_keyring_rotates() -> None:
    old = Keyring(OLD)
    token = old.encrypt({"auth_token": "x"})
    assert Keyring(f"{NEW},{OLD}").decrypt(token) == {"auth_token": "x"}  # old still opens
    rotated = Keyring(f"{NEW},{OLD}").rotate(token)
    assert Keyring(NEW).decrypt(rotated) == {"auth_token": "x"}
    with pytest.raises(KeyringUnavailable):
        Keyring(NEW).decrypt(token)
    with pytest.raises(KeyringUnavailable):
        Keyring(None).encrypt({})
    with pytest.raises(ValueError, match="invalid Fernet key"):
        Keyring("not-a-key")


async def test_the_admin_api_needs_its_token(start_adapter: StartAdapter) -> None:
    async with start_adapter(admin_token=None) as adapter:
        status, answer = await adapter.admin("GET", "")
        assert (status, answer["error"]["code"]) == (503, "ADMIN_NOT_CONFIGURED")
    async with start_adapter() as adapter:
        for token, status, code in ((None, 401, "UNAUTHENTICATED"), ("guess", 403, "FORBIDDEN")):
            for method, path in (("GET", ""), ("POST", ""), ("GET", "/x/credentials")):
                got = await adapter.admin(method, path, token=token, json={})
                assert (got[0], got[1]["error"]["code"]) == (status, code)
        resp = await adapter.client.get(
            "/v1/admin/channels", headers={"Authorization": "Basic dGVzdA=="}
        )
        assert resp.status == 401


async def test_channels_are_created_listed_changed_and_disabled(
    start_adapter: StartAdapter,
) -> None:
    async with start_adapter(channel_keys=OLD) as adapter:
        status, created = await adapter.admin("POST", "", json=twilio_channel())
        assert status == 201
        channel = created["channel"]
        assert (channel["id"], channel["address"], channel["provider"]) == (
            TWILIO_B,
            TWILIO_B,
            "twilio",
        )
        assert channel["has_credentials"] is True and "credentials" not in channel
        assert (await adapter.admin("POST", "", json=twilio_channel()))[0] == 409

        status, listing = await adapter.admin("GET", "")
        assert [c["id"] for c in listing["channels"]] == ["109876543210", TWILIO_B]
        status, only_b = await adapter.admin("GET", "?tenant_id=tenant-b")
        assert [c["id"] for c in only_b["channels"]] == [TWILIO_B]
        assert SECRET_TOKEN not in str(listing) + str(await adapter.admin("GET", f"/{TWILIO_B}"))

        status, changed = await adapter.admin(
            "PATCH",
            f"/{TWILIO_B}",
            json={"display_name": "B", "credentials": {"api_url": "http://127.0.0.1:8090"}},
        )
        assert (status, changed["channel"]["display_name"]) == (200, "B")
        status, creds = await adapter.admin("GET", f"/{TWILIO_B}/credentials")
        assert status == 200
        assert creds == {
            "channel": {
                "id": TWILIO_B,
                "tenant_id": "tenant-b",
                "provider": "twilio",
                "address": TWILIO_B,
                "enabled": True,
                "credentials": {
                    "account_sid": "AC" + "b" * 32,
                    "auth_token": SECRET_TOKEN,
                    "api_url": "http://127.0.0.1:8090",
                },
            }
        }
        status, disabled = await adapter.admin("DELETE", f"/{TWILIO_B}")
        assert (status, disabled["channel"]["enabled"]) == (200, False)
        assert (await adapter.admin("GET", "/nope"))[0] == 404
        assert (await adapter.admin("DELETE", "/nope"))[0] == 404


async def test_bad_channel_requests_are_4xx(start_adapter: StartAdapter) -> None:
    async with start_adapter(channel_keys=OLD) as adapter:
        cases = [
            ({"provider": "telegram", "address": "1"}, "BAD_PROVIDER"),
            ({"provider": "meta"}, "BAD_ADDRESS"),
            ({"provider": "meta", "address": "+1 555"}, "BAD_ADDRESS"),
            ({"provider": "twilio", "address": "whatsapp:12"}, "BAD_ADDRESS"),
            (
                {"provider": "meta", "address": "1", "credentials": {"auth_token": "x"}},
                "BAD_CREDENTIALS",
            ),
            ({"provider": "meta", "address": "1", "credentials": ["x"]}, "BAD_CREDENTIALS"),
            ({"provider": "meta", "address": "1", "enabled": "yes"}, "BAD_ENABLED"),
            ({"provider": "meta", "address": "1", "tenant_id": ""}, "BAD_TENANT_ID"),
        ]
        for body, code in cases:
            status, answer = await adapter.admin("POST", "", json=body)
            assert (status, answer["error"]["code"]) == (400, code), body
        resp = await adapter.client.post(
            "/v1/admin/channels",
            data=b"{not json",
            headers={"Authorization": "Bearer test-admin-token"},
        )
        assert (resp.status, (await resp.json())["error"]["code"]) == (400, "MALFORMED_JSON")
        for patch, code in (
            ({"address": "1"}, "IMMUTABLE"),
            ({"provider": "twilio"}, "BAD_ADDRESS"),  # a phone number id is no Twilio number
            ({"colour": "red"}, "UNKNOWN_FIELD"),
            ({"enabled": 1}, "BAD_ENABLED"),
        ):
            status, answer = await adapter.admin("PATCH", "/109876543210", json=patch)
            assert (status, answer["error"]["code"]) == (400, code)
    async with start_adapter() as adapter:  # no keys: credentials cannot be stored
        status, answer = await adapter.admin("POST", "", json=twilio_channel())
        assert (status, answer["error"]["code"]) == (503, "CHANNEL_KEYS_UNAVAILABLE")
        assert (await adapter.admin("POST", "", json={"provider": "meta", "address": "7"}))[
            0
        ] == 201


async def test_credentials_are_encrypted_at_rest_and_survive_rotation(
    start_adapter: StartAdapter, isolated: Isolated
) -> None:
    async with start_adapter(channel_keys=OLD) as adapter:
        assert (await adapter.admin("POST", "", json=twilio_channel()))[0] == 201
        raw = bytes(
            await adapter.db.fetchval("SELECT credentials FROM channels WHERE id = $1", TWILIO_B)
        )
        assert SECRET_TOKEN.encode() not in raw and b"auth_token" not in raw
        assert Fernet(OLD.encode()).decrypt(raw).decode().count(SECRET_TOKEN) == 1

    # A new key in front: the old one still decrypts, so the channel keeps working.
    async with start_adapter(channel_keys=f"{NEW},{OLD}") as adapter:
        status, creds = await adapter.admin("GET", f"/{TWILIO_B}/credentials")
        assert status == 200
        assert creds["channel"]["credentials"]["auth_token"] == SECRET_TOKEN
        output = await cli(isolated, "rotate-keys", keys=f"{NEW},{OLD}")
        assert '"rotated": 1' in output
        raw = bytes(
            await adapter.db.fetchval("SELECT credentials FROM channels WHERE id = $1", TWILIO_B)
        )
        assert SECRET_TOKEN in Fernet(NEW.encode()).decrypt(raw).decode()

    async with start_adapter(channel_keys=NEW) as adapter:  # the old key is gone
        status, creds = await adapter.admin("GET", f"/{TWILIO_B}/credentials")
        assert status == 200
        assert creds["channel"]["credentials"]["auth_token"] == SECRET_TOKEN


async def test_the_default_channel_credentials_come_from_the_environment(
    start_adapter: StartAdapter,
) -> None:
    async with start_adapter(provider="meta", meta_access_token="env-token") as adapter:
        status, creds = await adapter.admin("GET", "/109876543210/credentials")
        assert status == 200
        assert creds["channel"]["provider"] == "meta"
        assert creds["channel"]["credentials"] == {
            "access_token": "env-token",
            "app_secret": "sandbox-app-secret",
            "phone_number_id": "109876543210",
            "graph_url": "https://graph.facebook.com",
            "graph_version": "v21.0",
        }
    async with start_adapter(provider="twilio") as adapter:
        status, creds = await adapter.admin("GET", "/+14155238886/credentials")
        assert status == 200
        assert creds["channel"]["credentials"]["auth_token"] == "sandbox-twilio-auth-token"
        assert creds["channel"]["credentials"]["api_url"] == "https://api.twilio.com"


async def test_a_registered_channel_takes_webhooks_with_its_own_token_and_tenant(
    start_adapter: StartAdapter,
) -> None:
    params = inbound_params(
        account_sid="AC" + "b" * 32,
        to=TWILIO_B,
        from_="+9779841234567",
        profile_name="Asha",
        kind="text",
        data={"text": "hello tenant b"},
        base_url="https://api.twilio.com",
    )
    async with start_adapter(channel_keys=OLD) as adapter:
        assert (await adapter.admin("POST", "", json=twilio_channel()))[0] == 201
        # Signed with the environment's token: not this channel's.
        assert (await adapter.post_twilio(params))[0] == 401
        assert (await adapter.post_twilio(params, token=SECRET_TOKEN))[0] == 200
        [env] = await adapter.published(1)
        assert (env.tenantid, env.data["channel_id"], env.data["provider"]) == (
            "tenant-b",
            TWILIO_B,
            "twilio",
        )
        assert (await adapter.admin("DELETE", f"/{TWILIO_B}"))[0] == 200
        again = {**params, "MessageSid": "SM" + "9" * 32, "SmsSid": "SM" + "9" * 32}
        status, answer = await adapter.post_twilio(again, token=SECRET_TOKEN)
        assert isinstance(answer, dict)
        assert (status, answer["error"]["code"]) == (404, "UNKNOWN_CHANNEL")
        assert "disabled" in answer["error"]["message"]
        assert len(await adapter.published(1)) == 1


async def cli(isolated: Isolated, *args: str, keys: str | None = None) -> str:
    env = {
        **os.environ,
        "WAOPS_DATABASE_URL": service_url(isolated.admin_url, "webhook_adapter"),
        "WAOPS_AMQP_URL": isolated.amqp_url,
        "WAOPS_MIGRATE_ON_START": "true",
    }
    if keys:
        env["WAOPS_CHANNEL_KEYS"] = keys
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "webhook_adapter",
        "channels",
        *args,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await proc.communicate()
    assert proc.returncode == 0, err.decode()
    return out.decode()


async def test_the_cli_adds_lists_and_disables(
    start_adapter: StartAdapter, isolated: Isolated
) -> None:
    async with start_adapter(channel_keys=OLD):
        pass  # migrated, default channel in place
    added = await cli(
        isolated,
        "add",
        "--provider",
        "360dialog",
        "--address",
        "360000000001",
        "--tenant",
        "tenant-c",
        "--credential",
        "api_key=d360-key-secret",
        keys=OLD,
    )
    assert '"provider": "360dialog"' in added and "d360-key-secret" not in added
    listed = await cli(isolated, "list", "--tenant", "tenant-c")
    assert '"360000000001"' in listed and "109876543210" not in listed
    disabled = await cli(isolated, "disable", "360000000001")
    assert '"enabled": false' in disabled
    async with start_adapter(channel_keys=OLD) as adapter:
        status, creds = await adapter.admin("GET", "/360000000001/credentials")
        assert status == 200
        assert creds["channel"]["credentials"] == {"api_key": "d360-key-secret"}
        assert creds["channel"]["enabled"] is False


async def test_a_number_moves_from_meta_to_360dialog_keeping_its_channel(
    start_adapter: StartAdapter,
) -> None:
    from waops_sandbox import text_message_webhook

    address = "109876543210"
    async with start_adapter(provider="meta", channel_keys=OLD) as adapter:
        status, moved = await adapter.admin(
            "PATCH",
            f"/{address}",
            json={"provider": "360dialog", "credentials": {"api_key": "k"}},
        )
        assert (status, moved["channel"]["provider"]) == (200, "360dialog")
        webhook = text_message_webhook(address, "+1555", "+9779841234567", "Asha", "hi")
        assert (await adapter.post(webhook))[0] == 200  # Meta's door: now quarantined
        assert await adapter.post_d360(webhook) == (200, {"status": "ok"})
        [env] = await adapter.published(1)
        assert (env.data["provider"], env.data["channel_id"]) == ("360dialog", address)
        reason = await adapter.db.fetchval(
            "SELECT reason FROM webhook_events WHERE status = 'quarantined'"
        )
        assert reason == f"channel {address} is a 360dialog channel, not reached via /webhooks/meta"
        status, creds = await adapter.admin("GET", f"/{address}/credentials")
        assert status == 200
        assert creds["channel"]["credentials"] == {"api_key": "k"}  # not the env's Meta ones

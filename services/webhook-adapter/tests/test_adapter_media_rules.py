"""The media rules on their own: the limits, the hash check, how provider answers are judged,
the backoff, and the claim fencing that keeps two replicas from settling one item twice."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from waops_service_kit.db import create_engine
from waops_service_kit.migrations import migrate
from waops_testing.plugin import Isolated
from waops_testing.services import settings_for
from webhook_adapter.adapters.media import repository
from webhook_adapter.domain.media import (
    MediaPolicy,
    MediaRejected,
    MediaUnavailable,
    TransientFetchError,
    base_type,
    judge_status,
    sha256_matches,
)
from webhook_adapter.handlers.media import register_inbound_media
from webhook_adapter.handlers.media_fetcher import RetryPolicy
from webhook_adapter.settings import AdapterSettings

POLICY = MediaPolicy.from_list(100, "image/jpeg, audio/ogg,application/pdf")


def test_types_are_compared_without_parameters_or_case() -> None:
    assert base_type("Audio/OGG; codecs=opus") == "audio/ogg"
    assert base_type("nonsense") is None and base_type(None) is None
    assert POLICY.check_type("audio/ogg; codecs=opus") == "audio/ogg"
    with pytest.raises(MediaRejected, match="text/html is not allowed"):
        POLICY.check_type("text/html")
    with pytest.raises(MediaRejected, match="no media type"):
        POLICY.check_type(None)


def test_sizes_over_the_limit_are_rejected() -> None:
    POLICY.check_size(100)
    POLICY.check_size(None)
    with pytest.raises(MediaRejected, match="larger than 100 bytes"):
        POLICY.check_size(101)


def test_the_default_allow_list_is_whatsapps_media_types() -> None:
    settings = AdapterSettings()
    policy = MediaPolicy.from_list(settings.media_max_bytes, settings.media_allowed_types)
    for kind in ("image/jpeg", "image/png", "image/webp", "audio/ogg", "video/mp4", "text/plain"):
        assert policy.check_type(kind) == kind
    assert settings.media_max_bytes == 16 * 1024 * 1024
    with pytest.raises(MediaRejected):
        policy.check_type("application/x-msdownload")


def test_metas_hash_is_accepted_as_hex_or_base64() -> None:
    digest = hashlib.sha256(b"bytes").digest()
    assert sha256_matches(digest.hex(), digest.hex())
    assert sha256_matches(digest.hex().upper(), digest.hex())
    assert sha256_matches(base64.b64encode(digest).decode(), digest.hex())
    assert sha256_matches(None, digest.hex())  # Twilio declares none
    assert not sha256_matches(hashlib.sha256(b"other").hexdigest(), digest.hex())
    assert not sha256_matches("not base64!", digest.hex())


@pytest.mark.parametrize(
    ("status", "twilio", "verdict"),
    [
        (200, False, None),
        (500, False, TransientFetchError),
        (503, False, TransientFetchError),
        (429, False, TransientFetchError),
        (408, False, TransientFetchError),
        (404, False, MediaUnavailable),
        (400, False, MediaUnavailable),
        (401, False, MediaUnavailable),
        (404, True, TransientFetchError),
        (401, True, MediaUnavailable),
    ],
)
def test_provider_answers_are_judged(status: int, twilio: bool, verdict: type | None) -> None:
    assert judge_status(status, not_found_is_transient=twilio) is verdict


def test_backoff_doubles_up_to_a_ceiling() -> None:
    retry = RetryPolicy(max_attempts=10, first_backoff=2.0, max_backoff=60.0)
    assert [retry.delay(n) for n in (1, 2, 3, 4, 5, 6, 7)] == [2, 4, 8, 16, 32, 60, 60]


@pytest_asyncio.fixture
async def engine(isolated: Isolated) -> AsyncIterator[AsyncEngine]:
    settings = settings_for(AdapterSettings, isolated, "webhook_adapter")
    engine = create_engine(settings.database_url, "webhook_adapter")
    await migrate(engine, "webhook_adapter", "webhook_adapter")
    try:
        yield engine
    finally:
        await engine.dispose()


async def test_a_stale_claim_cannot_settle_or_retry_an_item(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        ref = await register_inbound_media(
            conn,
            tenant_id="demo",
            channel_id="c1",
            provider="meta",
            provider_media_id="m1",
            url=None,
            mime_type="image/jpeg",
            filename=None,
        )
    async with engine.begin() as conn:
        [first] = await repository.claim_due(conn, 10, lease_seconds=60)
        assert await repository.claim_due(conn, 10, lease_seconds=60) == []  # leased
        # The first fetcher stalls past its lease: the item is due again, a second claims it.
        await conn.execute(
            text("UPDATE media SET next_attempt_at = now() WHERE ref = :r"), {"r": ref}
        )
        [second] = await repository.claim_due(conn, 10, lease_seconds=60)
    assert (first.ref, first.attempts, second.attempts) == (ref, 1, 2)
    async with engine.begin() as conn:
        assert not await repository.mark_retry(conn, first, "late", 1.0)
        assert not await repository.mark_stored(
            conn, first, mime_type="image/jpeg", size_bytes=1, sha256="00", storage_key=ref
        )
        assert await repository.mark_settled_badly(conn, second, "failed", "gone")
        assert not await repository.mark_settled_badly(conn, second, "failed", "twice")
        state = (await conn.execute(text("SELECT state, reason FROM media"))).one()
    assert tuple(state) == ("failed", "gone")

"""Each provider's signature: good, bad, missing, wrong secret, one byte altered; Twilio's
both ways against the official ``twilio.request_validator.RequestValidator``."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from twilio.request_validator import RequestValidator
from waops_sandbox import encode, text_message_webhook
from waops_sandbox.signing import d360_signature, meta_signature, twilio_signature
from waops_sandbox.twilio_payloads import inbound_params, status_params
from webhook_adapter.domain import meta, twilio

StartAdapter = Any  # the start_adapter fixture (tests/conftest.py)
TOKEN = "sandbox-twilio-auth-token"
URL = "https://adapter.example.com/webhooks/twilio"
D360 = "360000000001"
SAMPLE = inbound_params(
    account_sid="AC" + "0" * 32,
    to="+14155238886",
    from_="+9779841234567",
    profile_name="Asha — ñ",
    kind="text",
    data={"text": "Namaste 🙏 & welcome = yes"},
    base_url="https://api.twilio.com",
)


def test_meta_and_360dialog_signatures_cover_the_exact_bytes() -> None:
    body = encode(text_message_webhook(D360, "+1555", "+9779841234567", "Asha", "नमस्ते"))
    for valid, sign in (
        (meta.signature_valid, meta_signature),
        (meta.d360_signature_valid, d360_signature),
    ):
        good = sign(body, "s3cret")
        assert valid(body, good, "s3cret")
        assert not valid(body, good, "other-secret")
        assert not valid(body[:-1] + b"]", good, "s3cret")  # one byte altered
        assert not valid(body, None, "s3cret")
        assert not valid(body, "", "s3cret")
        assert not valid(body, "é" + good, "s3cret")
    assert meta.d360_signature_valid(body, d360_signature(body, "k").upper(), "k")
    assert not meta.d360_signature_valid(body, "sha256=" + d360_signature(body, "k"), "k")


def test_twilios_validator_accepts_ours_and_ours_accepts_twilios() -> None:
    validator = RequestValidator(TOKEN)
    pairs = list(SAMPLE.items())
    theirs = validator.compute_signature(URL, SAMPLE)
    assert twilio.compute_signature(URL, pairs, TOKEN) == theirs
    assert twilio.signature_valid(URL, pairs, theirs, TOKEN)
    ours = twilio.compute_signature(URL, pairs, TOKEN)
    assert validator.validate(URL, SAMPLE, ours)
    # The sandbox's signer agrees too (it signs what the adapter checks).
    assert twilio_signature(URL, SAMPLE, TOKEN) == theirs
    status = status_params(
        account_sid="AC" + "0" * 32,
        from_="+14155238886",
        to="+9779841234567",
        message_sid="SM" + "1" * 32,
        status="undelivered",
        error_code=63024,
    )
    assert validator.validate(URL, status, twilio.compute_signature(URL, status.items(), TOKEN))


def test_twilio_signatures_with_and_without_the_default_port() -> None:
    validator = RequestValidator(TOKEN)
    pairs = list(SAMPLE.items())
    with_port = validator.compute_signature(
        "https://adapter.example.com:443/webhooks/twilio", SAMPLE
    )
    assert twilio.signature_valid(URL, pairs, with_port, TOKEN)
    plain = validator.compute_signature(URL, SAMPLE)
    assert twilio.signature_valid(
        "https://adapter.example.com:443/webhooks/twilio", pairs, plain, TOKEN
    )


def test_twilio_refuses_wrong_token_url_params_and_headers() -> None:
    pairs = list(SAMPLE.items())
    good = twilio.compute_signature(URL, pairs, TOKEN)
    assert not twilio.signature_valid(URL, pairs, good, "another-token")
    assert not twilio.signature_valid(URL + "?x=1", pairs, good, TOKEN)
    assert not twilio.signature_valid(URL.replace("https", "http"), pairs, good, TOKEN)
    altered = [(k, v + "!" if k == "Body" else v) for k, v in pairs]
    assert not twilio.signature_valid(URL, altered, good, TOKEN)
    assert not twilio.signature_valid(URL, [*pairs, ("Extra", "1")], good, TOKEN)
    for bad in (None, "", "é", good[:-2]):
        assert not twilio.signature_valid(URL, pairs, bad, TOKEN)


form_values = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)


@given(
    params=st.dictionaries(
        st.from_regex(r"[A-Za-z][A-Za-z0-9]{0,9}", fullmatch=True), form_values, max_size=8
    )
)
def test_any_form_is_signed_alike_by_twilio_and_the_adapter(params: dict[str, str]) -> None:
    assert twilio.compute_signature(URL, params.items(), TOKEN) == RequestValidator(
        TOKEN
    ).compute_signature(URL, params)


@pytest.mark.integration
async def test_360dialog_with_a_secret_checks_every_webhook(start_adapter: StartAdapter) -> None:
    payload = text_message_webhook(
        D360, "+1555", "+9779841234567", "Asha", "hi", message_id="wamid.d1"
    )
    raw = encode(payload)
    async with start_adapter(
        provider="360dialog", meta_phone_number_id=D360, d360_webhook_secret="d360-secret"
    ) as adapter:
        for secret, headers in (
            (None, {}),  # missing
            ("wrong-secret", {}),
            (None, {"x-360dialog-signature": "not-hex"}),
        ):
            status, answer = await adapter.post_d360(payload, secret=secret, headers=headers)
            assert (status, answer["error"]["code"]) == (401, "INVALID_SIGNATURE")
        altered = raw.replace(b'"hi"', b'"ho"')
        status, _ = await adapter.post_d360(
            altered, headers={"x-360dialog-signature": d360_signature(raw, "d360-secret")}
        )
        assert status == 401
        assert await adapter.nothing_stored()
        assert await adapter.post_d360(payload, secret="d360-secret") == (200, {"status": "ok"})
        [env] = await adapter.published(1)
        assert (env.data["provider"], env.data["channel_id"]) == ("360dialog", D360)


@pytest.mark.integration
async def test_360dialog_without_a_secret_takes_unsigned_webhooks(
    start_adapter: StartAdapter,
) -> None:
    payload = text_message_webhook(D360, "+1555", "+9779841234567", "Asha", "hi")
    async with start_adapter(provider="360dialog", meta_phone_number_id=D360) as adapter:
        assert await adapter.post_d360(payload) == (200, {"status": "ok"})
        # A signature nothing can verify is still refused: it claims something false.
        status, _ = await adapter.post_d360(payload, secret="made-up")
        assert status == 401
        assert len(await adapter.published(1)) == 1


@pytest.mark.integration
async def test_twilio_signatures_at_the_door(start_adapter: StartAdapter) -> None:
    params = dict(SAMPLE)
    async with start_adapter(provider="twilio") as adapter:
        for token, headers in (
            ("wrong-token", {}),
            (None, {}),
            (None, {"X-Twilio-Signature": "AAAA"}),
        ):
            status, answer = await adapter.post_twilio(params, token=token, headers=headers)
            assert isinstance(answer, dict)
            assert (status, answer["error"]["code"]) == (401, "INVALID_SIGNATURE")
        signed_elsewhere = await adapter.post_twilio(params, signed_url=URL)
        assert signed_elsewhere[0] == 401  # signed for another URL than the one called
        assert await adapter.nothing_stored()
        assert (await adapter.post_twilio(params))[0] == 200
        assert len(await adapter.published(1)) == 1


@pytest.mark.integration
async def test_twilio_behind_a_proxy_checks_the_public_url(start_adapter: StartAdapter) -> None:
    """Twilio signs the URL it was given; the adapter, reached through a proxy at another
    address, checks against WAOPS_PUBLIC_BASE_URL, query string included."""
    params = dict(SAMPLE)
    path = "/webhooks/twilio?tenant=demo"
    async with start_adapter(
        provider="twilio", public_base_url="https://adapter.example.com/"
    ) as adapter:
        status, _ = await adapter.post_twilio(
            params, path=path, signed_url="https://adapter.example.com" + path
        )
        assert status == 200
        status, _ = await adapter.post_twilio(params, path=path)  # signed for the inner URL
        assert status == 401
        validator_url = "https://adapter.example.com" + path
        official = RequestValidator(TOKEN).compute_signature(validator_url, params)
        resp = await adapter.client.post(
            path,
            data=params,
            headers={"X-Twilio-Signature": official},
        )
        assert resp.status == 200  # Twilio's own signature, aiohttp's own form encoding
        assert len(await adapter.published(1)) == 1  # the same MessageSid: one message

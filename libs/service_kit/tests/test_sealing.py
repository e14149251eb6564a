"""Secrets at rest: Fernet keyrings (seal, unseal, rotate) and HMAC blind indexes."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest
from cryptography.fernet import Fernet
from hypothesis import given
from hypothesis import strategies as st
from waops_service_kit.sealing import BlindIndex, Keyring, KeyringUnavailable

OLD, NEW = Keyring.generate_key(), Keyring.generate_key()
PHONE = "+12025550142"


@given(st.text())
def test_any_text_round_trips(text: str) -> None:
    keyring = Keyring(OLD)
    assert keyring.unseal(keyring.seal(text)) == text


def test_credentials_round_trip_as_json_and_are_not_stored_in_clear() -> None:
    keyring = Keyring(OLD)
    token = keyring.seal_json({"auth_token": "s3cret-token", "account_sid": "AC1"})
    assert b"s3cret-token" not in token and b"auth_token" not in token
    assert keyring.unseal_json(token) == {"auth_token": "s3cret-token", "account_sid": "AC1"}
    assert keyring.seal_json({"a": "1"}) != keyring.seal_json({"a": "1"})  # random IV per seal


def test_a_non_object_json_value_is_refused() -> None:
    keyring = Keyring(OLD)
    with pytest.raises(KeyringUnavailable, match="not a JSON object"):
        keyring.unseal_json(keyring.seal('["a"]'))


def test_rotation_keeps_old_tokens_readable_and_reseals_under_the_newest_key() -> None:
    token = Keyring(OLD).seal("body")
    both = Keyring(f" {NEW} , {OLD} ")  # newest first; spaces are tolerated
    assert both.unseal(token) == "body"  # the old key still opens it
    rotated = both.rotate(token)
    assert Fernet(NEW).decrypt(rotated) == b"body"  # re-sealed under the first key
    assert Keyring(NEW).unseal(rotated) == "body"  # so the old key can now be dropped
    assert Keyring(NEW).unseal(both.seal("new")) == "new"  # the first key seals


def test_a_wrong_key_or_a_damaged_token_is_unavailable() -> None:
    token = Keyring(OLD).seal("body")
    with pytest.raises(KeyringUnavailable, match="no key in WAOPS_BODY_KEYS opens this token"):
        Keyring(NEW, setting="WAOPS_BODY_KEYS").unseal(token)
    with pytest.raises(KeyringUnavailable, match="opens this token"):
        Keyring(NEW).rotate(token)
    with pytest.raises(KeyringUnavailable, match="opens this token"):
        Keyring(OLD).unseal(token[:-4] + b"AAAA")


@pytest.mark.parametrize("keys", ["not-a-key", f"{OLD},short", "A" * 43])
def test_an_invalid_key_fails_at_construction_naming_the_setting(keys: str) -> None:
    with pytest.raises(ValueError, match="WAOPS_BODY_KEYS holds an invalid Fernet key"):
        Keyring(keys, setting="WAOPS_BODY_KEYS")


@pytest.mark.parametrize("keys", [None, "", " , "])
def test_an_unconfigured_keyring_refuses_every_use(keys: str | None) -> None:
    keyring = Keyring(keys, setting="WAOPS_BODY_KEYS")
    assert not keyring.configured
    assert Keyring(OLD).configured
    for use in (
        lambda: keyring.seal("x"),
        lambda: keyring.unseal(Keyring(OLD).seal("x")),
        lambda: keyring.rotate(Keyring(OLD).seal("x")),
        lambda: keyring.seal_json({}),
    ):
        with pytest.raises(KeyringUnavailable, match="WAOPS_BODY_KEYS is not configured"):
            use()


def test_the_default_setting_is_the_channel_keys() -> None:
    with pytest.raises(KeyringUnavailable, match="WAOPS_CHANNEL_KEYS is not configured"):
        Keyring(None).seal("x")


def test_a_blind_index_is_hmac_sha256_deterministic_per_key() -> None:
    key = BlindIndex.generate_key()
    index = BlindIndex(key, setting="WAOPS_PHONE_INDEX_KEY")
    assert index.configured
    digest = index.of(PHONE)
    assert digest == BlindIndex(key, setting="WAOPS_PHONE_INDEX_KEY").of(PHONE)
    raw_key = base64.urlsafe_b64decode(key + "=" * (-len(key) % 4))
    assert digest == hmac.new(raw_key, PHONE.encode(), hashlib.sha256).digest()
    assert len(digest) == 32 and PHONE.encode() not in digest
    assert digest != hashlib.sha256(PHONE.encode()).digest()  # keyed, not a bare hash
    assert index.of("+12025550143") != digest


def test_a_blind_index_differs_across_keys() -> None:
    one = BlindIndex(BlindIndex.generate_key(), setting="WAOPS_PHONE_INDEX_KEY")
    other = BlindIndex(BlindIndex.generate_key(), setting="WAOPS_PHONE_INDEX_KEY")
    assert one.of(PHONE) != other.of(PHONE)


def test_a_blind_index_key_may_carry_its_padding() -> None:
    key = base64.urlsafe_b64encode(bytes(range(32))).decode()  # 44 chars, one "="
    assert BlindIndex(key, setting="K").of(PHONE) == BlindIndex(key.rstrip("="), setting="K").of(
        PHONE
    )


@pytest.mark.parametrize(
    ("key", "reason"),
    [
        ("c2hvcnQ", "too short: 5 bytes, at least 32 needed"),
        (BlindIndex.generate_key()[:40], "too short: 30 bytes"),
        ("correct horse battery staple, correct horse battery staple", "not url-safe base64"),
        ("+" * 44, "not url-safe base64"),  # standard, not url-safe, alphabet
        ("A" * 45, "not url-safe base64"),  # impossible length
    ],
)
def test_a_weak_or_malformed_index_key_fails_at_construction_naming_the_setting(
    key: str, reason: str
) -> None:
    with pytest.raises(ValueError, match=f"WAOPS_PHONE_INDEX_KEY is {reason}"):
        BlindIndex(key, setting="WAOPS_PHONE_INDEX_KEY")


@pytest.mark.parametrize("key", [None, "", "  "])
def test_an_unconfigured_blind_index_refuses_to_index(key: str | None) -> None:
    index = BlindIndex(key, setting="WAOPS_PHONE_INDEX_KEY")
    assert not index.configured
    with pytest.raises(ValueError, match="WAOPS_PHONE_INDEX_KEY is not configured"):
        index.of(PHONE)

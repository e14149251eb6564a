"""Secrets at rest: Fernet keyrings that seal values, and blind indexes to look them up.

A ``Keyring`` holds one purpose's Fernet keys (AES-128-CBC + HMAC-SHA256), newest first: the
first seals, every one unseals (``MultiFernet``). A key is rotated by putting a new one in
front, re-sealing every stored token with ``rotate``, then dropping the old key.

A ``BlindIndex`` is HMAC-SHA256 under its own key: deterministic, so a sealed column (a phone)
can be found by equality through an indexed column of ``of(value)`` without decrypting rows,
while a dump alone cannot be reversed or matched against a phone list. See docs/adr/0020.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
import secrets

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

_MIN_INDEX_KEY_BYTES = 32
_URLSAFE_B64 = re.compile(r"[A-Za-z0-9_-]+={0,2}")


class KeyringUnavailable(RuntimeError):
    """No key is configured, or none opens the token: the value can be neither sealed nor
    read. Callers answer it as a service-side condition (e.g. 503), never as bad input."""


class Keyring:
    """One purpose's Fernet keys, read from a comma-separated setting, newest first."""

    def __init__(self, keys: str | None, *, setting: str = "WAOPS_CHANNEL_KEYS") -> None:
        self._setting = setting
        parsed = [k.strip() for k in (keys or "").split(",") if k.strip()]
        try:
            self._fernet = MultiFernet([Fernet(k) for k in parsed]) if parsed else None
        except ValueError as exc:  # not a 32-byte url-safe base64 key
            raise ValueError(f"{setting} holds an invalid Fernet key: {exc}") from None

    @staticmethod
    def generate_key() -> str:
        return Fernet.generate_key().decode()

    @property
    def configured(self) -> bool:
        return self._fernet is not None

    def _require(self) -> MultiFernet:
        if self._fernet is None:
            raise KeyringUnavailable(f"{self._setting} is not configured")
        return self._fernet

    def seal(self, text: str) -> bytes:
        return self._require().encrypt(text.encode())

    def unseal(self, token: bytes) -> str:
        fernet = self._require()
        try:
            return fernet.decrypt(token).decode()
        except InvalidToken:
            raise KeyringUnavailable(
                f"no key in {self._setting} opens this token (wrong key, or the token is damaged)"
            ) from None

    def rotate(self, token: bytes) -> bytes:
        """The same value, sealed under the first key."""
        fernet = self._require()
        try:
            return fernet.rotate(token)
        except InvalidToken:
            raise KeyringUnavailable(
                f"no key in {self._setting} opens this token (wrong key, or the token is damaged)"
            ) from None

    def seal_json(self, data: dict[str, str]) -> bytes:
        return self.seal(json.dumps(data, sort_keys=True))

    def unseal_json(self, token: bytes) -> dict[str, str]:
        data = json.loads(self.unseal(token))
        if not isinstance(data, dict):
            raise KeyringUnavailable("the sealed value is not a JSON object")
        return {str(k): str(v) for k, v in data.items()}


class BlindIndex:
    """HMAC-SHA256 of a value under a key given as url-safe base64 of at least 32 bytes
    (``generate_key`` makes one). The caller normalises values first (E.164 for phones): the
    index only matches identical strings."""

    def __init__(self, key: str | None, *, setting: str) -> None:
        self._setting = setting
        self._key = _index_key(key.strip(), setting) if key and key.strip() else None

    @staticmethod
    def generate_key() -> str:
        return secrets.token_urlsafe(_MIN_INDEX_KEY_BYTES)

    @property
    def configured(self) -> bool:
        return self._key is not None

    def of(self, value: str) -> bytes:
        if self._key is None:
            raise ValueError(f"{self._setting} is not configured: no blind index can be made")
        return hmac.new(self._key, value.encode(), hashlib.sha256).digest()


def _index_key(key: str, setting: str) -> bytes:
    # Strict decoding: a typo or a passphrase must fail the start, not quietly become a key.
    not_base64 = ValueError(f"{setting} is not url-safe base64")
    if not _URLSAFE_B64.fullmatch(key):
        raise not_base64
    try:
        raw = base64.urlsafe_b64decode(key + "=" * (-len(key) % 4))
    except binascii.Error:  # an impossible length or misplaced padding
        raise not_base64 from None
    if len(raw) < _MIN_INDEX_KEY_BYTES:
        raise ValueError(
            f"{setting} is too short: {len(raw)} bytes, at least {_MIN_INDEX_KEY_BYTES} needed"
        )
    return raw

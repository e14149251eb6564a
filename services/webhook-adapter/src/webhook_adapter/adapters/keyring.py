"""Channel credentials encrypted at rest with Fernet (AES-128-CBC + HMAC-SHA256).

``WAOPS_CHANNEL_KEYS`` lists Fernet keys, newest first: the first encrypts, every one
decrypts (``MultiFernet``), so a key is rotated by putting a new one in front, running
``channels rotate-keys`` (re-encrypts every row under the new key), then dropping the old one.
"""

from __future__ import annotations

import json

from cryptography.fernet import Fernet, InvalidToken, MultiFernet


class KeyringUnavailable(RuntimeError):
    """No keys configured: credentials can be neither stored nor read."""


class Keyring:
    def __init__(self, keys: str | None) -> None:
        parsed = [k.strip() for k in (keys or "").split(",") if k.strip()]
        try:
            self._fernet = MultiFernet([Fernet(k) for k in parsed]) if parsed else None
        except ValueError as exc:  # not a 32-byte url-safe base64 key
            raise ValueError(f"WAOPS_CHANNEL_KEYS holds an invalid Fernet key: {exc}") from None

    @property
    def configured(self) -> bool:
        return self._fernet is not None

    def _require(self) -> MultiFernet:
        if self._fernet is None:
            raise KeyringUnavailable("WAOPS_CHANNEL_KEYS is not configured")
        return self._fernet

    def encrypt(self, credentials: dict[str, str]) -> bytes:
        return self._require().encrypt(json.dumps(credentials, sort_keys=True).encode())

    def decrypt(self, token: bytes) -> dict[str, str]:
        try:
            data = json.loads(self._require().decrypt(token))
        except InvalidToken:
            raise KeyringUnavailable("no configured key decrypts these credentials") from None
        return {str(k): str(v) for k, v in data.items()}

    def rotate(self, token: bytes) -> bytes:
        """The same credentials, encrypted under the first key."""
        try:
            return self._require().rotate(token)
        except InvalidToken:
            raise KeyringUnavailable("no configured key decrypts these credentials") from None

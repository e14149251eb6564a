"""Channel credentials encrypted at rest with the kit's Fernet keyring (``waops_service_kit.
sealing``) under ``WAOPS_CHANNEL_KEYS``, newest key first. A key is rotated by putting a new one
in front, running ``channels rotate-keys`` (re-encrypts every row under the new key), then
dropping the old one.
"""

from __future__ import annotations

from waops_service_kit.sealing import Keyring as _SealingKeyring
from waops_service_kit.sealing import KeyringUnavailable

__all__ = ["Keyring", "KeyringUnavailable"]


class Keyring(_SealingKeyring):
    """The registry's keyring: a channel's credentials are one sealed JSON object."""

    def __init__(self, keys: str | None) -> None:
        super().__init__(keys, setting="WAOPS_CHANNEL_KEYS")

    def encrypt(self, credentials: dict[str, str]) -> bytes:
        return self.seal_json(credentials)

    def decrypt(self, token: bytes) -> dict[str, str]:
        return self.unseal_json(token)

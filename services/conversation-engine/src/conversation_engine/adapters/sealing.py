"""Phones and message bodies at rest: sealed with the conversation keyring, phones found
through a keyed blind index (``waops_service_kit.sealing``; docs/adr/0020).

Every phone is normalised (E.164) before it is indexed: the index only matches identical
strings.
"""

from __future__ import annotations

from waops_service_kit.sealing import BlindIndex, Keyring


class Sealer:
    def __init__(self, keys: str, index_key: str) -> None:
        self._keyring = Keyring(keys, setting="WAOPS_CONVERSATION_KEYS")
        self._index = BlindIndex(index_key, setting="WAOPS_CONVERSATION_INDEX_KEY")

    def index(self, phone: str) -> bytes:
        """The blind index of a normalised phone: what lookups compare."""
        return self._index.of(phone)

    def seal(self, text: str) -> bytes:
        return self._keyring.seal(text)

    def unseal(self, token: bytes) -> str:
        return self._keyring.unseal(bytes(token))

    def reseal(self, token: bytes) -> bytes:
        """The same value sealed under the newest key (key rotation)."""
        return self._keyring.rotate(bytes(token))

    def seal_optional(self, text: str | None) -> bytes | None:
        return None if text is None else self.seal(text)

    def unseal_optional(self, token: bytes | None) -> str | None:
        return None if token is None else self.unseal(token)

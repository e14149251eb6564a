"""Channels: which WhatsApp number belongs to whom, through which provider, with which secrets.

Pure rules. A channel's *address* is the provider's name for the business number: the Cloud
API's phone number id for Meta, the sandbox and 360dialog, the E.164 number for Twilio. The
address is also the ``channel_id`` consumers see in events, so one number is one channel
whatever provider it moves to.
"""

from __future__ import annotations

from typing import Any, Literal, get_args

import phonenumbers

ProviderName = Literal["sandbox", "meta", "360dialog", "twilio"]
PROVIDERS: tuple[str, ...] = get_args(ProviderName)
# Which webhook door may deliver for a channel of which provider.
DOOR_PROVIDERS: dict[str, frozenset[str]] = {
    "meta": frozenset({"meta", "sandbox"}),
    "360dialog": frozenset({"360dialog"}),
    "twilio": frozenset({"twilio"}),
}
# The credentials each provider's channel may hold (what the notifier needs to send and the
# adapter needs to check signatures).
CREDENTIAL_FIELDS: dict[str, frozenset[str]] = {
    "sandbox": frozenset(
        {"access_token", "app_secret", "phone_number_id", "graph_url", "graph_version"}
    ),
    "meta": frozenset(
        {"access_token", "app_secret", "phone_number_id", "graph_url", "graph_version"}
    ),
    "360dialog": frozenset({"api_key", "api_url", "webhook_secret"}),
    "twilio": frozenset({"account_sid", "auth_token", "whatsapp_number", "api_url"}),
}


class InvalidChannel(ValueError):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def check_provider(provider: Any) -> str:
    if provider not in PROVIDERS:
        raise InvalidChannel("BAD_PROVIDER", f"provider must be one of {', '.join(PROVIDERS)}")
    return str(provider)


def normalize_address(provider: str, raw: Any) -> str:
    """Twilio's number as E.164 (``whatsapp:`` prefix allowed); a phone number id as digits."""
    if not isinstance(raw, str) or not raw.strip():
        raise InvalidChannel("BAD_ADDRESS", "address is required")
    text = raw.strip()
    if provider == "twilio":
        try:
            number = phonenumbers.parse(text.removeprefix("whatsapp:"), None)
        except phonenumbers.NumberParseException as exc:
            raise InvalidChannel("BAD_ADDRESS", f"not an E.164 number: {exc}") from None
        if not phonenumbers.is_possible_number(number):
            raise InvalidChannel("BAD_ADDRESS", "not a possible phone number")
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    if not (text.isascii() and text.isdigit()):
        raise InvalidChannel("BAD_ADDRESS", "a phone number id is digits only")
    return text


def check_credentials(provider: str, raw: Any) -> dict[str, str]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise InvalidChannel("BAD_CREDENTIALS", "credentials must be an object")
    allowed = CREDENTIAL_FIELDS[provider]
    unknown = sorted(set(raw) - allowed)
    if unknown:
        raise InvalidChannel(
            "BAD_CREDENTIALS",
            f"unknown credential(s) for {provider}: {', '.join(unknown)};"
            f" allowed: {', '.join(sorted(allowed))}",
        )
    if not all(isinstance(v, str) for v in raw.values()):
        raise InvalidChannel("BAD_CREDENTIALS", "credential values must be strings")
    return {str(k): str(v) for k, v in raw.items()}


def signing_secret(provider: str, credentials: dict[str, str]) -> str | None:
    """The secret a channel's webhooks are signed with, if it has one of its own."""
    key = {"meta": "app_secret", "sandbox": "app_secret", "360dialog": "webhook_secret"}.get(
        provider, "auth_token"
    )
    return credentials.get(key) or None


def refusal(door: str, address: str, channel: Any) -> str | None:
    """Why a webhook's part for ``address`` cannot be published through ``door``, if it
    cannot: no such channel, a disabled one, or one of another provider."""
    if channel is None:
        return f"unknown channel {address} (no registered {door} number)"
    if not channel.enabled:
        return f"channel {address} is disabled"
    if channel.provider not in DOOR_PROVIDERS[door]:
        return (
            f"channel {address} is a {channel.provider} channel, not reached via /webhooks/{door}"
        )
    return None

"""Outbound WhatsApp providers behind one seam (``WhatsAppProvider``)."""

from notifier.adapters.providers.base import (
    FatalProviderError,
    PermanentProviderError,
    ProviderError,
    SendResult,
    TransientProviderError,
    WhatsAppProvider,
    classify,
)

__all__ = [
    "FatalProviderError",
    "PermanentProviderError",
    "ProviderError",
    "SendResult",
    "TransientProviderError",
    "WhatsAppProvider",
    "classify",
]

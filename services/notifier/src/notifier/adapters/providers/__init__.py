"""Outbound WhatsApp providers behind one seam (``WhatsAppProvider``)."""

from notifier.adapters.providers.base import (
    FatalProviderError,
    MediaFile,
    PermanentProviderError,
    ProviderBase,
    ProviderError,
    SendResult,
    TransientProviderError,
    WhatsAppProvider,
    classify,
)
from notifier.adapters.providers.d360 import D360Provider
from notifier.adapters.providers.meta import MetaCloudProvider
from notifier.adapters.providers.twilio import TwilioProvider

__all__ = [
    "D360Provider",
    "FatalProviderError",
    "MediaFile",
    "MetaCloudProvider",
    "PermanentProviderError",
    "ProviderBase",
    "ProviderError",
    "SendResult",
    "TransientProviderError",
    "TwilioProvider",
    "WhatsAppProvider",
    "classify",
]

"""A local stand-in of the WhatsApp Cloud API: records what waops sends, plays a phone."""

from waops_sandbox.app import Fault, SandboxConfig, create_sandbox_app
from waops_sandbox.meta_payloads import encode, sign, status_webhook, text_message_webhook

__all__ = [
    "Fault",
    "SandboxConfig",
    "create_sandbox_app",
    "encode",
    "sign",
    "status_webhook",
    "text_message_webhook",
]

"""Run the sandbox standalone: ``python -m waops_sandbox`` (used by ``make run``).

Configured from the same environment variables as the services, so the notifier's Meta
provider and the webhook adapter agree with it on token, app secret and phone number id.
"""

from __future__ import annotations

import contextlib
import os

from aiohttp import web

from waops_sandbox.app import SandboxConfig, create_sandbox_app


def phone_provider(waops_provider: str) -> str:
    """The door of waops' default channel: "sandbox" is Meta's wire format."""
    return "meta" if waops_provider == "sandbox" else waops_provider


def config_from_env() -> SandboxConfig:
    env = os.environ.get
    return SandboxConfig(
        access_token=env("WAOPS_META_ACCESS_TOKEN", "sandbox-access-token"),
        app_secret=env("WAOPS_META_APP_SECRET", "sandbox-app-secret"),
        phone_number_id=env("WAOPS_META_PHONE_NUMBER_ID", "109876543210"),
        display_phone_number=env("WAOPS_META_DISPLAY_PHONE_NUMBER", "+977 1 5550100"),
        graph_version=env("WAOPS_META_GRAPH_VERSION", "v21.0"),
        webhook_url=env("WAOPS_SANDBOX_WEBHOOK_URL", "http://127.0.0.1:8080/webhooks/meta") or None,
        verify_token=env("WAOPS_META_VERIFY_TOKEN") or None,
        base_url=env("WAOPS_SANDBOX_BASE_URL", "http://127.0.0.1:8090"),
        phone_provider=phone_provider(env("WAOPS_PROVIDER", "sandbox")),
        d360_api_key=env("WAOPS_D360_API_KEY", "sandbox-d360-api-key"),
        d360_webhook_url=env(
            "WAOPS_SANDBOX_D360_WEBHOOK_URL", "http://127.0.0.1:8080/webhooks/360dialog"
        )
        or None,
        d360_webhook_secret=env("WAOPS_D360_WEBHOOK_SECRET") or None,
        twilio_account_sid=env("WAOPS_TWILIO_ACCOUNT_SID", "AC00000000000000000000000000000000"),
        twilio_auth_token=env("WAOPS_TWILIO_AUTH_TOKEN", "sandbox-twilio-auth-token"),
        twilio_whatsapp_number=env("WAOPS_TWILIO_WHATSAPP_NUMBER", "+14155238886"),
        twilio_webhook_url=env(
            "WAOPS_SANDBOX_TWILIO_WEBHOOK_URL", "http://127.0.0.1:8080/webhooks/twilio"
        )
        or None,
        payment_webhook_url=env(
            "WAOPS_SANDBOX_PAYMENT_WEBHOOK_URL", "http://127.0.0.1:8083/v1/payments/webhook"
        )
        or None,
        payment_webhook_secret=env("WAOPS_PAYMENT_WEBHOOK_SECRET", "sandbox-payment-secret"),
    )


def main() -> None:
    port = int(os.environ.get("WAOPS_SANDBOX_PORT", "8090"))
    host = os.environ.get("WAOPS_SANDBOX_HOST") or os.environ.get("WAOPS_HTTP_HOST", "0.0.0.0")
    config = config_from_env()
    print(
        f"waops sandbox (WhatsApp Cloud API stand-in) listening on http://{host}:{port}"
        f" — phone_number_id {config.phone_number_id}, webhooks to {config.webhook_url}",
        flush=True,
    )
    with contextlib.suppress(KeyboardInterrupt):
        # run_app handles SIGINT/SIGTERM and runs the cleanup contexts before returning.
        web.run_app(
            create_sandbox_app(config),
            host=host,
            port=port,
            shutdown_timeout=5,
            access_log=None,
            print=lambda *_: None,
            handle_signals=True,
        )


if __name__ == "__main__":
    main()

"""``python -m webhook_adapter channels add|list|show|disable|rotate-keys``: the registry
from a shell (same rules as the admin API; credentials are never printed)."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from waops_service_kit import ServiceRuntime

from webhook_adapter.adapters import channels as table
from webhook_adapter.adapters.keyring import Keyring, KeyringUnavailable
from webhook_adapter.domain.channels import PROVIDERS, InvalidChannel
from webhook_adapter.handlers import channel_registry
from webhook_adapter.settings import AdapterSettings


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="waops-webhook-adapter channels")
    sub = parser.add_subparsers(dest="action", required=True)
    add = sub.add_parser("add", help="register a channel")
    add.add_argument("--provider", required=True, choices=PROVIDERS)
    add.add_argument("--address", required=True, help="phone number id, or E.164 for twilio")
    add.add_argument("--tenant", dest="tenant_id")
    add.add_argument("--name", dest="display_name")
    add.add_argument("--disabled", action="store_true")
    add.add_argument(
        "--credential",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="repeatable; e.g. --credential auth_token=...",
    )
    listing = sub.add_parser("list", help="list channels")
    listing.add_argument("--tenant", dest="tenant_id")
    show = sub.add_parser("show", help="show one channel")
    show.add_argument("channel_id")
    disable = sub.add_parser("disable", help="disable a channel")
    disable.add_argument("channel_id")
    sub.add_parser("rotate-keys", help="re-encrypt credentials under the first key")
    return parser


def _credentials(pairs: list[str]) -> dict[str, str]:
    found = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise InvalidChannel("BAD_CREDENTIALS", f"--credential {pair!r} is not KEY=VALUE")
        found[key] = value
    return found


async def channels_command(runtime: ServiceRuntime, argv: list[str]) -> None:
    settings = runtime.settings
    assert isinstance(settings, AdapterSettings)
    args = _parser().parse_args(argv)
    keyring = Keyring(settings.channel_keys)
    try:
        async with runtime.engine.begin() as conn:
            result: Any
            if args.action == "add":
                data: dict[str, Any] = {
                    "provider": args.provider,
                    "address": args.address,
                    "enabled": not args.disabled,
                    "credentials": _credentials(args.credential) or None,
                }
                for key in ("tenant_id", "display_name"):
                    if getattr(args, key):
                        data[key] = getattr(args, key)
                channel = await channel_registry.add_channel(
                    conn, keyring, data, default_tenant=settings.default_tenant
                )
                result = {"channel": channel.public()}
            elif args.action == "list":
                result = {
                    "channels": [
                        c.public() for c in await table.list_channels(conn, args.tenant_id)
                    ]
                }
            elif args.action == "show":
                result = {
                    "channel": (await channel_registry.get_channel(conn, args.channel_id)).public()
                }
            elif args.action == "disable":
                channel = await channel_registry.disable_channel(conn, args.channel_id)
                result = {"channel": channel.public()}
            else:
                result = {"rotated": await channel_registry.rotate_keys(conn, keyring)}
    except (InvalidChannel, KeyringUnavailable) as exc:
        sys.exit(f"channels {args.action}: {exc}")
    except channel_registry.ChannelExists as exc:
        sys.exit(f"channels add: a channel with address {exc} exists")
    except channel_registry.ChannelNotFound as exc:
        sys.exit(f"channels {args.action}: no channel {exc}")
    print(json.dumps(result, indent=2))

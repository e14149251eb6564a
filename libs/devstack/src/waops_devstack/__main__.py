"""``make run``: the whole system against the local PostgreSQL and RabbitMQ.

Creates the database, the roles and schemas, runs migrations, starts every service and
the sandbox, loads the demo operator, prints where everything is, and stops cleanly on
Ctrl-C (SIGINT) or SIGTERM.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
from pathlib import Path

from waops_devstack.stack import SECRET_MAKERS, SERVICES, Stack, StackConfig


def local_secrets(path: Path) -> dict[str, str]:
    """The run's secrets (tokens, keys), made once and kept in var/ so what one run encrypted
    still decrypts in the next; a secret added in a later version is made and kept then."""
    stored: dict[str, str] = json.loads(path.read_text()) if path.exists() else {}
    missing = {name: make() for name, make in SECRET_MAKERS.items() if name not in stored}
    if missing:
        stored.update(missing)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.write_text(json.dumps(stored, indent=2))
    return {name: stored[name] for name in SECRET_MAKERS}


async def run(args: argparse.Namespace) -> int:
    kept = local_secrets(Path(args.var_dir) / "secrets.json")
    config = StackConfig(
        admin_url=args.admin_url,
        database=args.database,
        amqp_url=args.amqp_url,
        log_dir=Path(args.log_dir),
        fixed_ports=True,
        log_env="production" if args.json_logs else "local",
        provider=args.provider,
        media_dir=Path(args.var_dir) / "media",
        admin_token=kept["admin_token"],
        channel_keys=kept["channel_keys"],
        payment_webhook_secret=kept["payment_webhook_secret"],
        orchestrator_api_token=kept["orchestrator_api_token"],
        conversation_keys=kept["conversation_keys"],
        conversation_index_key=kept["conversation_index_key"],
    )
    stack = Stack(config)
    print(f"waops: provisioning database '{config.database}' (roles and one schema per service)")
    await stack.provision()
    for d in SERVICES:
        await stack.run_command(d.name, "migrate")
    print("waops: migrations applied; starting services")
    try:
        await stack.start(timeout=90)
        out = await stack.run_command("core", "seed-demo")
        print("waops: demo operator loaded: " + out.strip().splitlines()[-1] if out.strip() else "")
    except Exception:
        await stack.stop()
        raise
    print_banner(stack, config)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    watcher = asyncio.create_task(watch(stack, stop))
    await stop.wait()
    watcher.cancel()
    print("\nwaops: stopping (finishing in-flight work)...")
    codes = await stack.stop()
    print("waops: stopped " + ", ".join(f"{k}={v}" for k, v in codes.items()))
    return 0


async def watch(stack: Stack, stop: asyncio.Event) -> None:
    """If a service dies, say so and stop everything rather than run half a system."""
    while not stop.is_set():
        for name, proc in stack.processes.items():
            if not proc.running:
                print(f"waops: {name} exited unexpectedly; last log lines:\n{proc.log_tail()}")
                stop.set()
                return
        await asyncio.sleep(1)


def print_banner(stack: Stack, config: StackConfig) -> None:
    c = config
    lines = [
        "",
        "waops is running (Ctrl-C stops it)",
        f"  webhooks         {stack.url('webhook-adapter')}/webhooks/{{meta,360dialog,twilio}}"
        f"  (default channel: {c.provider})",
        f"  channels admin   {stack.url('webhook-adapter')}/v1/admin/channels"
        f"  (Authorization: Bearer {c.admin_token})",
        f"  sandbox phone    curl -XPOST {stack.url('sandbox')}/_sandbox/phone/send "
        "-H 'content-type: application/json' "
        '-d \'{"from":"+9779841234567","text":"Hi! Everest Base Camp Trek for 3 people in March 2025"}\'',
        f"  sandbox outbox   {stack.url('sandbox')}/_sandbox/sent",
        f"  core API         {stack.url('core')}/openapi.json  (header X-Waops-Tenant: {c.tenant})",
        f"  payment page     {stack.url('sandbox')}/_sandbox/pay/<link id>",
        f"  timeline API     {stack.url('timeline')}/v1/timeline/LEAD/<lead id>",
        f"  audit API        {stack.url('audit')}/v1/audit",
        f"  conversations    {stack.url('conversation-engine')}/v1/conversations/<id>",
        f"  back-office API  {stack.url('orchestrator')}/v1/leads/<lead id>/quotes ..."
        f"  (Authorization: Bearer {c.orchestrator_api_token}, X-Waops-Actor-Id: <staff id>)",
        f"  notifier         {stack.url('notifier')}",
        "  every service    /healthz /readyz /metrics",
        f"  database         {c.database} on {c.admin_url.rsplit('@', 1)[-1]}",
        f"  broker           {c.amqp_url.rsplit('@', 1)[-1]}",
        f"  logs             {c.log_dir}/<service>.log",
        "",
    ]
    print("\n".join(lines), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(prog="waops-dev", description=__doc__)
    parser.add_argument(
        "--admin-url",
        default=os.environ.get(
            "WAOPS_ADMIN_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
        ),
    )
    parser.add_argument("--database", default=os.environ.get("WAOPS_DATABASE", "waops"))
    parser.add_argument(
        "--amqp-url", default=os.environ.get("WAOPS_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/")
    )
    parser.add_argument("--log-dir", default="var/log")
    parser.add_argument("--var-dir", default="var")
    parser.add_argument(
        "--provider",
        choices=["sandbox", "meta", "360dialog", "twilio"],
        default=os.environ.get("WAOPS_PROVIDER", "sandbox"),
        help="the wire format of the default channel (every one is played by the sandbox)",
    )
    parser.add_argument("--json-logs", action="store_true")
    args = parser.parse_args()
    with contextlib.suppress(KeyboardInterrupt):
        raise SystemExit(asyncio.run(run(args)))


if __name__ == "__main__":
    main()

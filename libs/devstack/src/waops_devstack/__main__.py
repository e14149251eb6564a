"""``make run``: the whole system against the local PostgreSQL and RabbitMQ.

Creates the database, the roles and schemas, runs migrations, starts every service and
the sandbox, loads the demo operator, prints where everything is, and stops cleanly on
Ctrl-C (SIGINT) or SIGTERM.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
from pathlib import Path

from waops_devstack.stack import SERVICES, Stack, StackConfig


async def run(args: argparse.Namespace) -> int:
    config = StackConfig(
        admin_url=args.admin_url,
        database=args.database,
        amqp_url=args.amqp_url,
        log_dir=Path(args.log_dir),
        fixed_ports=True,
        log_env="production" if args.json_logs else "local",
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
        f"  webhook (Meta)   {stack.url('webhook-adapter')}/webhooks/meta",
        f"  sandbox phone    curl -XPOST {stack.url('sandbox')}/_sandbox/phone/send "
        "-H 'content-type: application/json' "
        '-d \'{"from":"+9779841234567","text":"Hi! Everest Base Camp Trek for 3 people in March 2025"}\'',
        f"  sandbox outbox   {stack.url('sandbox')}/_sandbox/sent",
        f"  core API         {stack.url('core')}/v1/leads  (header X-Waops-Tenant: {c.tenant})",
        f"  timeline API     {stack.url('timeline')}/v1/timeline/LEAD/<lead id>",
        f"  audit API        {stack.url('audit')}/v1/audit",
        f"  conversations    {stack.url('conversation-engine')}/v1/conversations/<id>",
        f"  orchestrator     {stack.url('orchestrator')}",
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
    parser.add_argument("--json-logs", action="store_true")
    args = parser.parse_args()
    with contextlib.suppress(KeyboardInterrupt):
        raise SystemExit(asyncio.run(run(args)))


if __name__ == "__main__":
    main()

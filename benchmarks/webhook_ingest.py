"""Webhook ingest benchmark: the adapter's door latency and the enquiry round trip.

Starts the whole stack (every service and the sandbox as processes) on a database and a
vhost of its own, then measures:
- door: signed Meta webhooks POSTed straight to the adapter, ``concurrency`` at a time;
  Meta asks for a median under 250 ms and fewer than 1% over 1 s;
- round trip: enquiries from the sandbox phone until the reply reaches the sandbox's Graph
  API (the "reply within a second or two" of the spine).
Writes reports/webhook-ingest.md and .json. Goals are reported, never asserted.

    python -m benchmarks.webhook_ingest [--door 500] [--concurrency 20] [--round-trips 30]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
from waops_devstack import Stack, StackConfig
from waops_sandbox import encode, sign, text_message_webhook
from waops_service_kit.provision import create_database, drop_database, provision_schemas
from waops_testing.infra import postgres_admin_url, rabbitmq_broker, unique_name

REPORTS = Path(__file__).resolve().parent.parent / "reports"
ENQUIRY = "Hi! I'm interested in the Everest Base Camp Trek for 3 people in March 2025"


def percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)

    def pct(p: float) -> float:
        return ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000

    return {
        "count": len(ordered),
        "p50_ms": round(statistics.median(ordered) * 1000, 1),
        "p95_ms": round(pct(0.95), 1),
        "p99_ms": round(pct(0.99), 1),
        "max_ms": round(ordered[-1] * 1000, 1),
        "over_1s_pct": round(100 * sum(s > 1 for s in ordered) / len(ordered), 2),
    }


def a_phone(i: int) -> str:
    return f"+97798{uuid.uuid4().int % 10**6:06d}{i % 100:02d}"


async def door(stack: Stack, config: StackConfig, total: int, concurrency: int) -> dict[str, Any]:
    url = stack.url("webhook-adapter") + "/webhooks/meta"
    gate = asyncio.Semaphore(concurrency)
    samples: list[float] = []
    statuses: dict[int, int] = {}
    async with aiohttp.ClientSession() as http:

        async def one(i: int) -> None:
            body = encode(
                text_message_webhook(
                    phone_number_id=config.phone_number_id,
                    display_phone_number="+977 1 5550100",
                    from_wa_id=a_phone(i),
                    profile_name="Bench",
                    text=f"hello {i}",
                )
            )
            headers = {
                "Content-Type": "application/json",
                "X-Hub-Signature-256": sign(body, config.app_secret),
            }
            async with gate:
                start = time.perf_counter()
                async with http.post(url, data=body, headers=headers) as resp:
                    await resp.read()
                samples.append(time.perf_counter() - start)
                statuses[resp.status] = statuses.get(resp.status, 0) + 1

        started = time.perf_counter()
        await asyncio.gather(*(one(i) for i in range(total)))
        elapsed = time.perf_counter() - started
    return {
        **percentiles(samples),
        "statuses": statuses,
        "throughput_per_s": round(total / elapsed, 1),
    }


async def round_trips(stack: Stack, count: int) -> dict[str, Any]:
    sandbox = stack.url("sandbox")
    samples: list[float] = []
    lost = 0
    async with aiohttp.ClientSession() as http:
        for i in range(count):
            phone = a_phone(i)
            start = time.perf_counter()
            async with http.post(
                f"{sandbox}/_sandbox/phone/send", json={"from": phone, "text": ENQUIRY}
            ) as resp:
                await resp.read()
            deadline = start + 30
            while time.perf_counter() < deadline:
                async with http.get(f"{sandbox}/_sandbox/sent", params={"to": phone}) as resp:
                    if await resp.json():
                        samples.append(time.perf_counter() - start)
                        break
                await asyncio.sleep(0.01)
            else:
                lost += 1
    return {**percentiles(samples), "no_reply_within_30s": lost} if samples else {"lost": lost}


def write_report(results: dict[str, Any]) -> Path:
    REPORTS.mkdir(exist_ok=True)
    (REPORTS / "webhook-ingest.json").write_text(json.dumps(results, indent=2))
    d, r = results["door"], results["round_trip"]
    lines = [
        "# Webhook ingest benchmark",
        "",
        f"Run {results['at']} on {results['machine']}; whole stack as processes, local "
        "PostgreSQL and RabbitMQ.",
        "",
        "| Measure | Goal | Result |",
        "|---|---|---|",
        f"| Door median (n={d['count']}, {results['concurrency']} concurrent) | < 250 ms | {d['p50_ms']} ms |",
        f"| Door over 1 s | < 1% | {d['over_1s_pct']}% |",
        f"| Door p95 / p99 / max | | {d['p95_ms']} / {d['p99_ms']} / {d['max_ms']} ms |",
        f"| Door throughput | | {d['throughput_per_s']}/s |",
        f"| Enquiry → reply median (n={r.get('count', 0)}) | 1–2 s | {r.get('p50_ms')} ms |",
        f"| Enquiry → reply p95 / max | | {r.get('p95_ms')} / {r.get('max_ms')} ms |",
        f"| Enquiries without a reply in 30 s | 0 | {r.get('no_reply_within_30s', r.get('lost'))} |",
        "",
        f"Door statuses: {d['statuses']}",
    ]
    path = REPORTS / "webhook-ingest.md"
    path.write_text("\n".join(lines) + "\n")
    return path


async def main(args: argparse.Namespace) -> None:
    import os
    import platform

    with postgres_admin_url() as admin, rabbitmq_broker() as broker:
        database, vhost = unique_name("waops_bench"), unique_name("waops_bench")
        await create_database(admin, database)
        await provision_schemas(admin, database)
        await asyncio.to_thread(broker.create_vhost, vhost)
        logs = tempfile.TemporaryDirectory(prefix="waops-bench-")
        config = StackConfig(
            admin_url=admin,
            database=database,
            amqp_url=broker.url_for(vhost),
            log_dir=Path(logs.name),
        )
        stack = Stack(config)
        try:
            await stack.start(timeout=120)
            await stack.run_command("core", "seed-demo")
            results = {
                "at": datetime.now(UTC).isoformat(timespec="seconds"),
                "machine": f"{platform.machine()}, {os.cpu_count()} cores",
                "concurrency": args.concurrency,
                "door": await door(stack, config, args.door, args.concurrency),
                "round_trip": await round_trips(stack, args.round_trips),
            }
        finally:
            await stack.stop()
            await drop_database(admin, database)
            await asyncio.to_thread(broker.delete_vhost, vhost)
            logs.cleanup()
    print(f"report: {write_report(results)}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--door", type=int, default=500)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--round-trips", type=int, default=30)
    asyncio.run(main(parser.parse_args()))

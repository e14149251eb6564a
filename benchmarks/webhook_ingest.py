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
import os
import platform
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
from waops_sandbox import encode, sign, text_message_webhook
from waops_testing.infra import postgres_admin_url, rabbitmq_broker
from waops_testing.plugin import Infra, IsolatedFactory
from waops_testing.system import System, running_system

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


async def door(system: System, total: int, concurrency: int) -> dict[str, Any]:
    config = system.stack.config
    url = system.url("webhook-adapter") + "/webhooks/meta"
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


async def round_trips(system: System, count: int) -> dict[str, Any]:
    samples: list[float] = []
    lost = 0
    for i in range(count):
        phone = a_phone(i)
        start = time.perf_counter()
        await system.phone_says(phone, ENQUIRY)
        try:
            await system.replies(phone, 1, timeout=30, interval=0.01)
        except AssertionError:
            lost += 1
            continue
        samples.append(time.perf_counter() - start)
    return {**(percentiles(samples) if samples else {"count": 0}), "no_reply_within_30s": lost}


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
        f"| Enquiry → reply median (n={r['count']}) | 1–2 s | {r.get('p50_ms')} ms |",
        f"| Enquiry → reply p95 / max | | {r.get('p95_ms')} / {r.get('max_ms')} ms |",
        f"| Enquiries without a reply in 30 s | 0 | {r['no_reply_within_30s']} |",
        "",
        f"Door statuses: {d['statuses']}",
    ]
    path = REPORTS / "webhook-ingest.md"
    path.write_text("\n".join(lines) + "\n")
    return path


async def main(args: argparse.Namespace) -> None:
    with (
        postgres_admin_url() as admin,
        rabbitmq_broker() as broker,
        tempfile.TemporaryDirectory(prefix="waops-bench-", ignore_cleanup_errors=True) as logs,
    ):
        factory = IsolatedFactory(Infra(admin, broker))
        try:
            async with running_system(factory, Path(logs), prefix="waops_bench") as system:
                results = {
                    "at": datetime.now(UTC).isoformat(timespec="seconds"),
                    "machine": f"{platform.machine()}, {os.cpu_count()} cores",
                    "concurrency": args.concurrency,
                    "door": await door(system, args.door, args.concurrency),
                    "round_trip": await round_trips(system, args.round_trips),
                }
        finally:
            await factory.cleanup()
    print(f"report: {write_report(results)}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--door", type=int, default=500)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--round-trips", type=int, default=30)
    asyncio.run(main(parser.parse_args()))

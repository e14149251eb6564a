"""The enquiry ladder: the whole system at rising constant rates, with a ledger of every enquiry.

Starts every service and the sandbox as processes (database and vhost of their own), then for
each rate sends enquiries from distinct phones for ``--seconds`` (the load generator,
``benchmarks.load_generator``, in its own process, open loop) and waits for the system to
drain. A reply counts when it reaches the provider's API (the sandbox records the time). For
every enquiry the ledger says how late its first reply came, how many messages reached the
phone and whether one of them came twice; per step: p50/p99 enquiry→reply, the share within
2 s, lost (no reply after the drain) and duplicated, the door's answers, and each service's
CPU and resident memory. Writes reports/enquiry-ladder.md and .json. Goals are reported,
never asserted.

    python -m benchmarks.enquiry_ladder [--rates 10,20,40,80] [--seconds 60] [--drain 900]
        [--stall 30]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from waops_testing.infra import postgres_admin_url, rabbitmq_broker
from waops_testing.plugin import Infra, IsolatedFactory
from waops_testing.system import System, running_system

REPORTS = Path(__file__).resolve().parent.parent / "reports"
WITHIN = 2.0  # seconds: the goal's "replied within"
TICK = os.sysconf("SC_CLK_TCK")


@dataclass
class Usage:
    """CPU seconds and peak resident memory of each service process over one step."""

    cpu_start: dict[str, float] = field(default_factory=dict)
    cpu_end: dict[str, float] = field(default_factory=dict)
    rss_peak_mb: dict[str, float] = field(default_factory=dict)

    def sample(self, system: System, *, first: bool = False) -> None:
        for name, proc in system.stack.processes.items():
            if proc.process is None or proc.process.returncode is not None:
                continue
            cpu, rss = proc_stats(proc.process.pid)
            if first:
                self.cpu_start[name] = cpu
            self.cpu_end[name] = cpu
            self.rss_peak_mb[name] = max(self.rss_peak_mb.get(name, 0.0), rss)

    def summary(self, seconds: float) -> dict[str, dict[str, float]]:
        return {
            name: {
                "cpu_pct": round(100 * (self.cpu_end[name] - start) / seconds, 1),
                "rss_peak_mb": round(self.rss_peak_mb[name], 1),
            }
            for name, start in self.cpu_start.items()
        }


def proc_stats(pid: int) -> tuple[float, float]:
    """(CPU seconds used, resident MB) of one process, from /proc."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        cpu = (int(fields[11]) + int(fields[12])) / TICK  # utime + stime
        rss_pages = int(Path(f"/proc/{pid}/statm").read_text().split()[1])
        return cpu, rss_pages * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (FileNotFoundError, IndexError, ValueError):
        return 0.0, 0.0


async def generate(
    system: System,
    rate: float,
    seconds: float,
    prefix: str,
    out: Path,
    extra: Sequence[str] = (),
) -> None:
    """The load generator in its own process (``extra``: more of its options)."""
    config = system.stack.config
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "benchmarks.load_generator",
        "--url",
        system.url("webhook-adapter") + "/webhooks/meta",
        "--app-secret",
        config.app_secret,
        "--phone-number-id",
        config.phone_number_id,
        "--rate",
        str(rate),
        "--seconds",
        str(seconds),
        "--out",
        str(out),
        "--prefix",
        prefix,
        *extra,
    )
    if await child.wait() != 0:
        raise RuntimeError(f"the load generator failed at {rate}/s")


async def sent_messages(system: System) -> list[dict[str, Any]]:
    async with system.http.get(system.url("sandbox") + "/_sandbox/sent") as resp:
        return list(await resp.json())


def digits_of(phone: str) -> str:
    return "".join(c for c in phone if c.isdigit())


async def step(system: System, rate: float, args: argparse.Namespace, work: Path) -> dict[str, Any]:
    # Nepali mobiles (+977 98xxxxxxxx): the step's two digits, then the enquiry's six.
    prefix = f"97798{(int(rate) + int(time.time())) % 100:02d}"
    out = work / f"enquiries-{int(rate)}.jsonl"
    usage = Usage()
    usage.sample(system, first=True)
    started = time.monotonic()
    load = asyncio.create_task(generate(system, rate, args.seconds, prefix, out))
    while not load.done():
        usage.sample(system)
        await asyncio.wait({load}, timeout=1.0)
    await load
    loaded_for = time.monotonic() - started
    usage.sample(system)
    enquiries = [json.loads(line) for line in out.read_text().splitlines()]
    phones = {digits_of(e["phone"]) for e in enquiries}

    # Drain: until every enquiry has its reply, or replies stop coming for ``stall`` seconds
    # (an overloaded system catches up at its own pace), or the hard deadline.
    deadline = time.monotonic() + args.drain
    progress_at, answered_before = time.monotonic(), -1
    while True:
        messages = [m for m in await sent_messages(system) if m.get("to") in phones]
        answered = {m["to"] for m in messages}
        now = time.monotonic()
        if len(answered) > answered_before:
            progress_at, answered_before = now, len(answered)
        if answered >= phones or now > deadline or now - progress_at > args.stall:
            break
        usage.sample(system)
        await asyncio.sleep(2)  # a drain poll, not a measurement: arrival times are the sandbox's
    drained_for = time.monotonic() - started - loaded_for
    # Settle: a late duplicate (a resend after an expired lease) would arrive in this time.
    await asyncio.sleep(args.settle)  # waiting for what must NOT come; the ledger reads it
    messages = [m for m in await sent_messages(system) if m.get("to") in phones]
    await system.http.delete(system.url("sandbox") + "/_sandbox/sent")
    return ledger(rate, enquiries, messages, usage.summary(loaded_for + drained_for), drained_for)


def ledger(
    rate: float,
    enquiries: list[dict[str, Any]],
    messages: list[dict[str, Any]],
    usage: dict[str, dict[str, float]],
    drained_for: float,
) -> dict[str, Any]:
    by_phone: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for m in messages:
        by_phone[m["to"]].append(m)
    latencies: list[float] = []
    lost: list[str] = []
    duplicated: list[str] = []
    for e in enquiries:
        got = sorted(by_phone.get(digits_of(e["phone"]), []), key=lambda m: m["received_at"])
        if not got:
            lost.append(e["phone"])
            continue
        first = datetime.fromisoformat(got[0]["received_at"]).timestamp()
        latencies.append(first - e["planned"])
        if any(n > 1 for n in Counter(m.get("body") for m in got).values()):
            duplicated.append(e["phone"])
    door = Counter(str(e["status"]) for e in enquiries)
    ordered = sorted(latencies)

    def pct(p: float) -> float | None:
        if not ordered:
            return None
        return round(ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000, 1)

    within = sum(1 for s in ordered if s <= WITHIN)
    return {
        "rate": rate,
        "enquiries": len(enquiries),
        "replied": len(latencies),
        "p50_ms": pct(0.5),
        "p99_ms": pct(0.99),
        "max_ms": round(ordered[-1] * 1000, 1) if ordered else None,
        "within_2s_pct": round(100 * within / len(enquiries), 2) if enquiries else 0.0,
        "lost": len(lost),
        "duplicated": len(duplicated),
        "lost_phones": lost[:20],
        "duplicated_phones": duplicated[:20],
        "door_statuses": dict(door),
        "messages_per_enquiry": round(len(messages) / len(enquiries), 2) if enquiries else 0,
        "drain_s": round(drained_for, 1),
        "usage": usage,
    }


def write_report(results: dict[str, Any]) -> Path:
    REPORTS.mkdir(exist_ok=True)
    (REPORTS / "enquiry-ladder.json").write_text(json.dumps(results, indent=2))
    sustained = [s["rate"] for s in results["steps"] if s["within_2s_pct"] >= 99.0]
    lines = [
        "# Enquiry ladder",
        "",
        f"Run {results['at']} on {results['machine']} (load average at the end"
        f" {'/'.join(f'{x:.1f}' for x in results['load_average'])}); local PostgreSQL and"
        " RabbitMQ; every"
        " service, the sandbox and the load generator on the same machine. Each step sends"
        f" enquiries from distinct phones at a constant rate for {results['seconds']:.0f} s (open"
        " loop); a reply counts when it reaches the provider's API.",
        "",
        "| Rate /s | Enquiries | p50 ms | p99 ms | max ms | within 2 s | lost | duplicated"
        " | door answers | drain s |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for s in results["steps"]:
        lines.append(
            f"| {s['rate']:.0f} | {s['enquiries']} | {s['p50_ms']} | {s['p99_ms']} |"
            f" {s['max_ms']} | {s['within_2s_pct']}% | {s['lost']} | {s['duplicated']} |"
            f" {s['door_statuses']} | {s['drain_s']} |"
        )
    lines += [
        "",
        f"Highest rate with 99% of replies within 2 s: "
        f"{max(sustained) if sustained else 'none of the steps'} (goal: ≥ 80/s).",
        "",
        "## CPU and resident memory per service (load and drain)",
        "",
        "| Rate /s | " + " | ".join(results["services"]) + " |",
        "|---|" + "---|" * len(results["services"]),
    ]
    for s in results["steps"]:
        cells = [
            f"{s['usage'].get(n, {}).get('cpu_pct', '-')}% / "
            f"{s['usage'].get(n, {}).get('rss_peak_mb', '-')} MB"
            for n in results["services"]
        ]
        lines.append(f"| {s['rate']:.0f} | " + " | ".join(cells) + " |")
    lines += [
        "",
        "CPU is the share of one core over the step (load and drain); memory the peak resident"
        " set."
        " Lost: no reply by the end of the drain (every enquiry answered, or no new reply for"
        " 30 s, or 15 minutes). Duplicated: a phone that received the same text twice.",
    ]
    path = REPORTS / "enquiry-ladder.md"
    path.write_text("\n".join(lines) + "\n")
    return path


async def main(args: argparse.Namespace) -> None:
    rates = [float(r) for r in args.rates.split(",")]
    with (
        postgres_admin_url() as admin,
        rabbitmq_broker() as broker,
        tempfile.TemporaryDirectory(prefix="waops-ladder-", ignore_cleanup_errors=True) as logs,
    ):
        factory = IsolatedFactory(Infra(admin, broker))
        try:
            async with running_system(factory, Path(logs), prefix="waops_ladder") as system:
                steps = []
                for rate in rates:
                    steps.append(await step(system, rate, args, Path(logs)))
                    print(json.dumps({k: v for k, v in steps[-1].items() if k != "usage"}))
                results = {
                    "at": datetime.now(UTC).isoformat(timespec="seconds"),
                    "machine": f"{platform.machine()}, {os.cpu_count()} cores",
                    "load_average": os.getloadavg(),
                    "seconds": args.seconds,
                    "services": list(system.stack.processes),
                    "steps": steps,
                }
        finally:
            await factory.cleanup()
    print(f"report: {write_report(results)}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rates", default="10,20,40,80")
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--drain", type=float, default=900.0)
    parser.add_argument("--stall", type=float, default=30.0)
    parser.add_argument("--settle", type=float, default=15.0)
    asyncio.run(main(parser.parse_args()))

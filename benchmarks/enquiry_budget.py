"""What one enquiry costs: events, deliveries, database transactions, HTTP requests and CPU.

Starts the whole system (every service and the sandbox as processes, database and vhost of
their own), sends ``--enquiries`` enquiries from distinct phones at a gentle rate, waits for
every reply, and divides what each service counted (its /metrics), what PostgreSQL counted
(``pg_stat_database``: commits and rollbacks of the run's database) and the CPU every process
used by the number of enquiries. With ``--profile`` it also samples every service with
py-spy while the enquiries flow and keeps a flame graph per service under
reports/profiles/. Writes reports/enquiry-budget.md and .json.

    python -m benchmarks.enquiry_budget [--enquiries 200] [--rate 10] [--profile]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import shutil
import sys
import tempfile
import time
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
from prometheus_client.parser import text_string_to_metric_families
from waops_service_kit.db import asyncpg_dsn
from waops_testing.infra import postgres_admin_url, rabbitmq_broker
from waops_testing.plugin import Infra, IsolatedFactory
from waops_testing.system import System, running_system

from benchmarks.enquiry_ladder import digits_of, generate, proc_stats, sent_messages

REPORTS = Path(__file__).resolve().parent.parent / "reports"
COUNTED = {
    "waops_events_published_total": "events published",
    "waops_events_consumed_total": "deliveries consumed",
    "waops_http_request_seconds_count": "HTTP requests served",
}


async def scrape(system: System) -> dict[str, dict[str, float]]:
    """Per service: the counters of COUNTED (consumed split by outcome), summed."""
    found: dict[str, dict[str, float]] = {}
    for name, proc in system.stack.processes.items():
        if proc.definition.schema is None:
            continue
        async with system.http.get(proc.url + "/metrics") as resp:
            text = await resp.text()
        totals: dict[str, float] = defaultdict(float)
        for family in text_string_to_metric_families(text):
            for sample in family.samples:
                if sample.name not in COUNTED:
                    continue
                label = COUNTED[sample.name]
                if sample.name == "waops_events_consumed_total":
                    label = f"{label} ({sample.labels.get('outcome')})"
                if sample.name == "waops_http_request_seconds_count" and sample.labels.get(
                    "route", ""
                ).startswith(("/metrics", "/readyz", "/healthz")):
                    continue  # the harness's own polling
                totals[label] += sample.value
        found[name] = dict(totals)
    return found


async def database_counts(system: System) -> dict[str, int]:
    conn = await asyncpg.connect(asyncpg_dsn(system.iso.admin_url))
    try:
        row = await conn.fetchrow(
            "SELECT xact_commit, xact_rollback FROM pg_stat_database WHERE datname = $1",
            system.iso.database,
        )
    finally:
        await conn.close()
    assert row is not None
    return {"commits": int(row["xact_commit"]), "rollbacks": int(row["xact_rollback"])}


def cpu_seconds(system: System) -> dict[str, float]:
    return {
        name: proc_stats(proc.process.pid)[0]
        for name, proc in system.stack.processes.items()
        if proc.process is not None and proc.process.returncode is None
    }


async def profile(system: System, seconds: float, out: Path) -> list[asyncio.subprocess.Process]:
    """py-spy on every service for ``seconds``, one flame graph each (needs ptrace: root)."""
    spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    os.makedirs(out, exist_ok=True)
    children = []
    for name, proc in system.stack.processes.items():
        if proc.process is None or proc.definition.schema is None:
            continue
        children.append(
            await asyncio.create_subprocess_exec(
                spy,
                "record",
                "--pid",
                str(proc.process.pid),
                "--duration",
                str(int(seconds)),
                "--rate",
                "50",
                "--nonblocking",
                "--output",
                str(out / f"{name}.svg"),
                stdout=asyncio.subprocess.DEVNULL,
                stderr=asyncio.subprocess.DEVNULL,
            )
        )
    return children


async def measure(system: System, args: argparse.Namespace, work: Path) -> dict[str, Any]:
    before = await scrape(system), await database_counts(system), cpu_seconds(system)
    seconds = args.enquiries / args.rate
    spies = await profile(system, seconds, REPORTS / "profiles") if args.profile else []
    out = work / "budget.jsonl"
    await generate(system, args.rate, seconds, "9779877", out)
    phones = {digits_of(json.loads(line)["phone"]) for line in out.read_text().splitlines()}
    deadline = time.monotonic() + 120
    replied: set[str] = set()
    while time.monotonic() < deadline:
        replied = {m["to"] for m in await sent_messages(system) if m.get("to") in phones}
        if replied >= phones:
            break
        await asyncio.sleep(1)  # a drain poll, not a measurement
    for spy in spies:
        await spy.wait()
    await asyncio.sleep(3)  # let the last acks, statuses and relays settle before counting
    after = await scrape(system), await database_counts(system), cpu_seconds(system)
    n = len(phones)
    per_service = {
        name: {
            label: round((value - before[0].get(name, {}).get(label, 0.0)) / n, 2)
            for label, value in counters.items()
            if value - before[0].get(name, {}).get(label, 0.0) > 0
        }
        for name, counters in after[0].items()
    }
    cpu = {
        name: round(1000 * (after[2][name] - before[2].get(name, 0.0)) / n, 1) for name in after[2]
    }
    return {
        "enquiries": n,
        "replied": len(replied),
        "per_service": per_service,
        "db_commits_per_enquiry": round((after[1]["commits"] - before[1]["commits"]) / n, 1),
        "db_rollbacks_per_enquiry": round((after[1]["rollbacks"] - before[1]["rollbacks"]) / n, 2),
        "cpu_ms_per_enquiry": cpu,
        "cpu_ms_per_enquiry_total": round(sum(cpu.values()), 1),
    }


def write_report(results: dict[str, Any]) -> Path:
    REPORTS.mkdir(exist_ok=True)
    (REPORTS / "enquiry-budget.json").write_text(json.dumps(results, indent=2))
    labels = sorted({label for c in results["per_service"].values() for label in c})
    services = list(results["per_service"])
    lines = [
        "# What one enquiry costs",
        "",
        f"Run {results['at']} on {results['machine']} (load average at the end"
        f" {'/'.join(f'{x:.1f}' for x in results['load_average'])}):"
        f" {results['enquiries']} enquiries from"
        f" distinct phones at {results['rate']}/s, {results['replied']} replied; every figure"
        " below is per enquiry (counted by the services' own metrics, PostgreSQL's"
        " pg_stat_database and /proc), including the work that follows the reply (delivery"
        " statuses are off in the sandbox).",
        "",
        "| per enquiry | " + " | ".join(services) + " |",
        "|---|" + "---|" * len(services),
    ]
    for label in labels:
        cells = [str(results["per_service"][s].get(label, "")) for s in services]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    cpu = results["cpu_ms_per_enquiry"]
    lines.append("| CPU ms | " + " | ".join(str(cpu.get(s, "")) for s in services) + " |")
    lines += [
        "",
        f"Database transactions per enquiry (all services): {results['db_commits_per_enquiry']}"
        f" commits, {results['db_rollbacks_per_enquiry']} rollbacks.",
        f"CPU per enquiry, every process together: {results['cpu_ms_per_enquiry_total']} ms"
        f" (sandbox included: {cpu.get('sandbox', '-')} ms).",
    ]
    if results.get("profiled"):
        lines += ["", "Flame graphs of this run: reports/profiles/<service>.svg (py-spy, 50 Hz)."]
    path = REPORTS / "enquiry-budget.md"
    path.write_text("\n".join(lines) + "\n")
    return path


async def main(args: argparse.Namespace) -> None:
    with (
        postgres_admin_url() as admin,
        rabbitmq_broker() as broker,
        tempfile.TemporaryDirectory(prefix="waops-budget-", ignore_cleanup_errors=True) as logs,
    ):
        factory = IsolatedFactory(Infra(admin, broker))
        try:
            async with running_system(factory, Path(logs), prefix="waops_budget") as system:
                measured = await measure(system, args, Path(logs))
        finally:
            await factory.cleanup()
    results = {
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "load_average": os.getloadavg(),
        "rate": args.rate,
        "profiled": args.profile,
        **measured,
    }
    print(f"report: {write_report(results)}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--enquiries", type=int, default=200)
    parser.add_argument("--rate", type=float, default=10.0)
    parser.add_argument("--profile", action="store_true")
    asyncio.run(main(parser.parse_args()))

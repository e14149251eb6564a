"""The image's HEALTHCHECK: GET a health path of whichever waops process this container runs.

One image runs every service, each on its own port (``WAOPS_<NAME>_PORT``), so the port is
not known when the image is built. A container has its own network namespace and the
process listens on one TCP port only, so that port is read from /proc/net/tcp{,6}: no
mapping to keep in step, and nothing heavier than the standard library to import (this
runs every few seconds in every container).

Usage: ``python /app/healthcheck.py [/path]`` (default ``/healthz``; compose passes
``/readyz`` to gate dependants on the database and broker being reachable).
"""

from __future__ import annotations

import sys
import urllib.request
from pathlib import Path

_LISTEN = "0A"  # TCP state code of a listening socket in /proc/net/tcp


def listening_ports() -> list[int]:
    ports: set[int] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if len(fields) > 3 and fields[3] == _LISTEN:
                ports.add(int(fields[1].rsplit(":", 1)[1], 16))
    return sorted(ports)


def main() -> int:
    path = sys.argv[1] if len(sys.argv) > 1 else "/healthz"
    ports = listening_ports()
    if not ports:
        print("healthcheck: nothing listens yet")
        return 1
    for port in ports:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=4) as resp:
                if resp.status == 200:
                    return 0
        except OSError as exc:  # URLError and HTTPError (503 from /readyz) are OSErrors
            print(f"healthcheck: :{port}{path}: {exc}")
    return 1


if __name__ == "__main__":
    raise SystemExit(main())

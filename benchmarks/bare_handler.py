"""The baseline of the ingest benchmark: an aiohttp handler that reads the body and answers
200, nothing else. Run as its own process, like the adapter, on the same machine:

    python -m benchmarks.bare_handler --port 18099
"""

from __future__ import annotations

import argparse

from aiohttp import web


async def accept(request: web.Request) -> web.Response:
    await request.read()
    return web.Response(text="")


async def healthz(_: web.Request) -> web.Response:
    return web.Response(text="ok")


def main() -> None:
    parser = argparse.ArgumentParser(description="bare aiohttp 200 handler")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    app = web.Application(client_max_size=10 * 1024**2)
    app.router.add_post("/webhooks/meta", accept)
    app.router.add_get("/healthz", healthz)
    web.run_app(app, host=args.host, port=args.port, access_log=None, print=lambda *_: None)


if __name__ == "__main__":
    main()

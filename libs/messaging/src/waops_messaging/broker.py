"""A supervised broker connection.

aio-pika's robust connection has open reports of consumers not re-attaching after a broker
restart; instead this loop owns reconnection explicitly: connect, run every ``on_connect``
callback (declare topology, start consumers), wait for the connection to close, back off,
and do it all again. Readiness and metrics follow the real connection state.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import Any

import aio_pika
from aio_pika.abc import AbstractChannel, AbstractConnection, AbstractExchange
from waops_observability import get_logger, metrics

from waops_messaging.topology import EVENTS_EXCHANGE, declare_exchanges

log = get_logger(__name__)

OnConnect = Callable[[AbstractConnection], Awaitable[None]]


class BrokerUnavailable(RuntimeError):
    pass


class Broker:
    def __init__(
        self,
        url: str,
        *,
        name: str,
        publish_timeout: float = 10.0,
        max_backoff: float = 5.0,
    ) -> None:
        self._url = url
        self._name = name
        self._publish_timeout = publish_timeout
        self._max_backoff = max_backoff
        self._on_connect: list[OnConnect] = []
        self._connection: AbstractConnection | None = None
        self._publish_channel: AbstractChannel | None = None
        self._events: AbstractExchange | None = None
        self._connected = asyncio.Event()
        self._stopping = False
        self._task: asyncio.Task[None] | None = None
        self.connections_made = 0

    def on_connect(self, callback: OnConnect) -> None:
        self._on_connect.append(callback)

    @property
    def is_connected(self) -> bool:
        return (
            self._connected.is_set()
            and self._connection is not None
            and (not self._connection.is_closed)
        )

    async def wait_connected(self, timeout: float) -> None:
        await asyncio.wait_for(self._connected.wait(), timeout)

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=f"broker:{self._name}")

    async def stop(self, timeout: float = 5.0) -> None:
        """End the supervision, then close the connection, within ``timeout`` seconds each.

        The supervising task goes first, so a stop that lands mid-connect cannot leave a
        connection opened after it (a stopped replica holding single-active-consumer
        partitions it no longer works on). A close handshake can wait forever on a
        half-dead socket: past the timeout the connection is abandoned (the broker frees
        what it held when the socket goes away with the process)."""
        self._stopping = True
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await asyncio.wait_for(self._task, timeout)
        self._connected.clear()
        metrics.BROKER_CONNECTED.set(0)
        connection, self._connection = self._connection, None
        self._publish_channel = None
        self._events = None
        if connection is not None and not connection.is_closed:
            try:
                await asyncio.wait_for(connection.close(), timeout)
            except Exception as exc:  # TimeoutError included: abandon it, the process ends
                log.warning("broker.close_abandoned", error=repr(exc))

    async def _run(self) -> None:
        backoff = 0.2
        while not self._stopping:
            closed: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            try:
                connection = await aio_pika.connect(
                    self._url, timeout=10, client_properties={"connection_name": self._name}
                )

                def _on_close(*_: Any, closed: asyncio.Future[None] = closed) -> None:
                    if not closed.done():
                        closed.set_result(None)

                connection.close_callbacks.add(_on_close)
                self._connection = connection
                channel = await connection.channel(publisher_confirms=True)
                self._events = await declare_exchanges(channel)
                self._publish_channel = channel
                for callback in self._on_connect:
                    await callback(connection)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # connect or declare failed: back off and retry
                log.warning("broker.connect_failed", error=repr(exc), retry_in=backoff)
                await self._drop_connection()
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, self._max_backoff)
                continue
            backoff = 0.2
            self.connections_made += 1
            metrics.BROKER_RECONNECTS.inc()
            metrics.BROKER_CONNECTED.set(1)
            self._connected.set()
            log.info("broker.connected", connections_made=self.connections_made)
            await closed
            self._connected.clear()
            metrics.BROKER_CONNECTED.set(0)
            if not self._stopping:
                log.warning("broker.connection_lost")
            await self._drop_connection()

    async def _drop_connection(self) -> None:
        self._connected.clear()
        conn, self._connection = self._connection, None
        self._publish_channel = None
        self._events = None
        if conn is not None and not conn.is_closed:
            with contextlib.suppress(Exception):  # bounded: a dead socket must not hold us
                await asyncio.wait_for(conn.close(), 5)

    async def publish(
        self,
        routing_key: str,
        body: bytes,
        *,
        message_id: str,
        headers: dict[str, Any],
        content_type: str,
        exchange: str = EVENTS_EXCHANGE,
    ) -> None:
        """Publish persistently and wait for the broker's confirm, with a timeout."""
        channel = self._publish_channel
        if channel is None or channel.is_closed or not self.is_connected:
            raise BrokerUnavailable("broker connection is down")
        if exchange == EVENTS_EXCHANGE and self._events is not None:
            target = self._events
        else:
            target = await channel.get_exchange(exchange, ensure=False)
        message = aio_pika.Message(
            body,
            message_id=message_id,
            headers=headers,
            content_type=content_type,
            delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
        )
        await asyncio.wait_for(
            target.publish(message, routing_key=routing_key), self._publish_timeout
        )

    async def channel(self) -> AbstractChannel:
        if self._connection is None or self._connection.is_closed:
            raise BrokerUnavailable("broker connection is down")
        return await self._connection.channel()

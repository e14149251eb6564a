"""Which failures are the message's fault and which are the world's.

A handler that fails because the database refused a connection, a pool was exhausted, a
connection dropped or a dependency over HTTP is down has nothing wrong with its message:
counting such failures toward the delivery limit parks good messages exactly when the system
is under load (ADR 0026). ``is_transient`` recognises them; the consumer retries them in
place with backoff, uncounted, for a bounded time.
"""

from __future__ import annotations

import socket

import sqlalchemy.exc


class TransientFailure(Exception):
    """Raise (or subclass) when a handler cannot finish *now* for a reason outside its
    message — a dependency down, overloaded or unreachable. The consumer retries it in place
    without counting it against the delivery limit."""


# SQLSTATEs worth a retry: connection exceptions (08), insufficient resources such as
# too_many_connections (53), operator intervention such as admin_shutdown or
# cannot_connect_now (57P), serialization failures and deadlocks, a lock not available.
_TRANSIENT_SQLSTATE_PREFIXES = ("08", "53", "57P")
_TRANSIENT_SQLSTATES = frozenset({"40001", "40P01", "55P03"})


def is_transient(exc: BaseException) -> bool:
    """True when ``exc`` — or what caused it (``__cause__``, SQLAlchemy's ``orig``) — is an
    infrastructure failure that retrying later can cure."""
    seen: set[int] = set()
    todo: list[BaseException] = [exc]
    while todo:
        current = todo.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        if _is_transient_itself(current):
            return True
        if current.__cause__ is not None:
            todo.append(current.__cause__)
        orig = getattr(current, "orig", None)
        if isinstance(orig, BaseException):
            todo.append(orig)
    return False


def _is_transient_itself(exc: BaseException) -> bool:
    if isinstance(exc, TransientFailure | ConnectionError | TimeoutError | socket.gaierror):
        return True
    if isinstance(exc, sqlalchemy.exc.TimeoutError):  # no pooled connection within the timeout
        return True
    if isinstance(exc, sqlalchemy.exc.DBAPIError) and exc.connection_invalidated:
        return True
    sqlstate = getattr(exc, "sqlstate", None) or getattr(exc, "pgcode", None)
    return isinstance(sqlstate, str) and (
        sqlstate in _TRANSIENT_SQLSTATES or sqlstate.startswith(_TRANSIENT_SQLSTATE_PREFIXES)
    )

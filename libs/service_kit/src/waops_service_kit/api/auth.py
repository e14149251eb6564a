"""One bearer-token mechanism for every internal API (declared once, documented once).

A service names its tokens in one setting holding a comma-separated list, so a key can be
rotated without downtime: add the new key, move the callers, drop the old one. Every given
token is compared with every configured key in constant time (``hmac.compare_digest``), and
the loop never stops early, so timing tells nothing about which key nearly matched.

What a refusal answers stays each API's own (a published contract): the status and code for
a missing token, a wrong one, and none configured (503, or open when ``open_when_unset``).
"""

from __future__ import annotations

import hmac
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from aiohttp import web
from pydantic import SecretStr

from waops_service_kit.http import ApiError


def token_list(value: SecretStr | str | None) -> tuple[str, ...]:
    """The keys of a comma-separated setting (``"new,old"``), blanks dropped."""
    if value is None:
        return ()
    raw = value.get_secret_value() if isinstance(value, SecretStr) else value
    return tuple(part.strip() for part in raw.split(",") if part.strip())


def matches_any(given: str, keys: Sequence[str]) -> bool:
    """Constant-time comparison against every key (no early exit)."""
    found = False
    for key in keys:
        found |= hmac.compare_digest(given.encode(), key.encode())
    return found


@dataclass(frozen=True)
class Answer:
    status: int
    code: str
    message: str


@dataclass(frozen=True)
class BearerAuth:
    """``Authorization: Bearer <token>`` checked against the keys ``keys_of(request)`` names.

    ``scheme`` is the name of the security scheme in the OpenAPI document.
    """

    scheme: str
    keys_of: Callable[[web.Request], Sequence[str]]
    missing: Answer
    wrong: Answer
    unconfigured: Answer | None = None  # None: with no key configured the API is open
    challenge: bool = False  # answer WWW-Authenticate: Bearer with a 401
    description: str = "a service token: Authorization: Bearer <token>"

    def check(self, request: web.Request) -> None:
        """Return when the request may pass; else raise the API's refusal."""
        keys = self.keys_of(request)
        if not keys:
            if self.unconfigured is None:
                return
            raise self._refuse(self.unconfigured)
        scheme, _, given = request.headers.get("Authorization", "").partition(" ")
        given = given.strip()
        if scheme.lower() != "bearer" or not given:
            raise self._refuse(self.missing)
        if not matches_any(given, keys):
            raise self._refuse(self.wrong)

    def _refuse(self, answer: Answer) -> ApiError:
        error = ApiError(answer.status, answer.code, answer.message)
        if self.challenge and answer.status == 401:
            error.headers = {"WWW-Authenticate": "Bearer"}
        return error

    def refusals(self) -> list[tuple[int, str]]:
        answers = [self.missing, self.wrong]
        if self.unconfigured is not None:
            answers.append(self.unconfigured)
        return [(a.status, a.code) for a in answers]

    def security_scheme(self) -> dict[str, str]:
        return {"type": "http", "scheme": "bearer", "description": self.description}

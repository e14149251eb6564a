"""The core's refusals, in the business's words, each with a stable machine-readable code.

Domain code raises these; the API kit turns them into ``{"error": {code, message, details}}``
answers (``RuleViolation`` → 409, ``NotFound`` → 404, ``Invalid`` → 422). They never carry
I/O concerns, so state machines stay pure and their tests need no server.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    status = 409

    def __init__(self, code: str, message: str, **details: Any) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details


class RuleViolation(DomainError):
    """A request the business rules refuse (an invalid transition, no seats left...)."""

    status = 409


class NotFound(DomainError):
    status = 404


class Invalid(DomainError):
    """Well-formed but semantically unusable input (an unknown tour code, a past date)."""

    status = 422


def invalid_transition(machine: str, state: str, action: str) -> RuleViolation:
    """The one refusal every state machine uses: ``<MACHINE>_INVALID_TRANSITION``."""
    return RuleViolation(
        f"{machine.upper()}_INVALID_TRANSITION",
        f"a {machine.lower()} in state {state} cannot {action.lower().replace('_', ' ')}",
        state=state,
        action=action,
    )

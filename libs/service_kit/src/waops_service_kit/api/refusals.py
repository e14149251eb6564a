"""Refusals with stable codes that an operation raises and the kit answers as JSON errors.

A service's domain may keep its own error classes (free of any HTTP import); it hands them to
``mount(refusals=...)`` and the kit answers them the same way: ``status``, ``code``,
``message`` and ``details`` attributes become ``{"error": {code, message, details}}``.
"""

from __future__ import annotations

from typing import Any


class Refusal(Exception):
    """A request the API refuses on purpose (409 unless a subclass says otherwise)."""

    status = 409

    def __init__(self, code: str, message: str, **details: Any) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details


class BadCursor(Refusal):
    status = 400

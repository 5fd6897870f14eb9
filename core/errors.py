"""The one error type services raise.

A service that refuses to do something raises ``ApplicationError`` with a stable, machine-readable
``code`` (documented in docs/api.md), a message a person can read (in Chinese for shoppers and
merchants), and optional per-field messages. The API turns it into
``{"code": ..., "message": ..., "fields": {...}}``; H5 views and admin show ``message``.
"""

from __future__ import annotations

from typing import Any


class ApplicationError(Exception):
    """A refused use case. ``code`` is stable; ``message`` is for people."""

    http_status: int = 400

    def __init__(
        self,
        code: str,
        message: str,
        *,
        fields: dict[str, Any] | None = None,
        http_status: int | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = str(message)
        self.fields = fields or {}
        if http_status is not None:
            self.http_status = http_status

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


class NotFoundError(ApplicationError):
    http_status = 404

    def __init__(self, code: str = "not_found", message: str = "Not found.", **kwargs: Any) -> None:
        super().__init__(code, message, **kwargs)

"""Exceptions of the printing library. Messages are English for logs; the app maps the types to Spanish text."""

from __future__ import annotations

from drivers.printing.status import PrinterStatus


class PrintingError(Exception):
    """Base of this library's errors."""


class ConnectionStringError(PrintingError, ValueError):
    """A printer connection string that cannot be understood, with what is wrong in it."""


class PrinterUnavailable(PrintingError):
    """The printer cannot take a job now (offline, out of paper, cover open): try again later, the job is intact."""

    def __init__(self, status: PrinterStatus) -> None:
        super().__init__(f"printer {status.state.value}" + (f": {status.detail}" if status.detail else ""))
        self.status = status

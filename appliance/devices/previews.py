"""The simulated printer's recent receipts, spooled to data_dir/receipts/<lane code>/.

The back office's "Últimos tickets" shows them: in the demo (and in tests) they are the paper the customer would get.
Each preview PNG is drawn the first time someone opens it (drivers/printing/simulated.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from drivers.printing.simulated import spooled_preview

_RECEIPT_JOB = re.compile(r"(\d{6})-receipt\.escpos")


@dataclass(frozen=True)
class Preview:
    name: str  # what the preview URL asks for: "000012-receipt.png"
    number: int
    at: datetime


def recent(spool_dir: Path, limit: int = 6) -> list[Preview]:
    """Newest first. A receipt is listed once its job is complete (the .escpos file is written last)."""
    if not spool_dir.is_dir():
        return []
    found = []
    for path in spool_dir.iterdir():
        match = _RECEIPT_JOB.fullmatch(path.name)
        if match:
            at = datetime.fromtimestamp(path.stat().st_mtime, UTC)
            found.append(Preview(path.with_suffix(".png").name, int(match.group(1)), at))
    found.sort(key=lambda preview: preview.number, reverse=True)
    return found[:limit]


def preview_png(spool_dir: Path, name: str) -> bytes | None:
    """The PNG for a preview name from a URL, or None: only names the printer writes, never a path."""
    return spooled_preview(spool_dir, name)

"""The simulated printer's recent receipts, as the PNG previews it spools to data_dir/receipts/<lane code>/.

The back office's "Últimos tickets" shows them: in the demo (and in tests) they are the paper the customer would get.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

PREVIEW_NAME = re.compile(r"(\d{6})-receipt\.png")


@dataclass(frozen=True)
class Preview:
    name: str
    number: int
    at: datetime


def recent(spool_dir: Path, limit: int = 6) -> list[Preview]:
    """Newest first. A preview is listed once its job is complete (the .escpos file is written last)."""
    if not spool_dir.is_dir():
        return []
    found = []
    for path in spool_dir.iterdir():
        match = PREVIEW_NAME.fullmatch(path.name)
        if match and path.with_suffix(".escpos").exists():
            found.append(Preview(path.name, int(match.group(1)), datetime.fromtimestamp(path.stat().st_mtime, UTC)))
    found.sort(key=lambda preview: preview.number, reverse=True)
    return found[:limit]


def preview_path(spool_dir: Path, name: str) -> Path | None:
    """The file for a preview name from a URL, or None: only names the printer writes, never a path."""
    if not PREVIEW_NAME.fullmatch(name):
        return None
    path = spool_dir / name
    return path if path.is_file() else None

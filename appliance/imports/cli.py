"""`minimarket import products FILE`: the same preview as the back office, written only with --yes."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from appliance.core.errors import DomainError
from appliance.db import migrate
from appliance.db.engine import Database
from appliance.imports import products
from appliance.imports.reader import MAX_FILE_BYTES, read_upload
from appliance.settings import Settings


async def run(settings: Settings, path: Path, *, confirm: bool, create_categories: bool) -> int:
    settings.ensure_dirs()
    migrate.upgrade(settings.database_path, settings.backups_dir)
    try:
        # One byte past the limit is enough for the reader to refuse a file too big, without loading all of it.
        with path.open("rb") as file:
            data = file.read(MAX_FILE_BYTES + 1)
        rows = await read_upload(path.name, data)
    except (OSError, DomainError) as exc:
        print(f"error: {getattr(exc, 'message', exc)}", file=sys.stderr)
        return 2
    db = Database(settings.database_path)
    try:
        if confirm:
            async with db.write() as session:
                result = await products.apply(session, rows, user_id=None, create_categories=create_categories)
        else:
            async with db.read() as session:
                result = await products.preview(session, rows, create_categories=create_categories)
    except DomainError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 2
    finally:
        await db.dispose()
    for row in result.rows:
        if row.errors:
            print(f"fila {row.line} ({row.code}): " + "; ".join(row.errors), file=sys.stderr)
    summary = {action: result.count(action) for action in ("crear", "actualizar", "sin cambios", "error")}
    print(
        json.dumps(
            {"written": confirm and result.ok, **summary, "new_categories": result.new_categories}, ensure_ascii=False
        )
    )
    return 0 if result.ok else 1

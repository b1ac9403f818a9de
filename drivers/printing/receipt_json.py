"""A `Receipt` as JSON, so a `JobStore` can keep queued jobs in a database column across restarts.

Bytes (PDF417 payloads) and images (logos, as PNG) are base64; everything else is plain JSON. `version` lets a future
format still read jobs queued by this one.
"""

from __future__ import annotations

import base64
import io
import json
from typing import Any

from PIL import Image

from drivers.printing.receipt import (
    Block,
    Cut,
    DrawerKick,
    Feed,
    Logo,
    Pdf417,
    QrCode,
    Receipt,
    Row,
    Separator,
    Text,
)

VERSION = 1


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _block_to_dict(block: Block) -> dict[str, Any]:
    match block:
        case Text():
            return {
                "type": "text",
                "text": block.text,
                "align": block.align,
                "bold": block.bold,
                "double_width": block.double_width,
                "double_height": block.double_height,
            }
        case Row():
            return {
                "type": "row",
                "cells": list(block.cells),
                "widths": None if block.widths is None else list(block.widths),
                "bold": block.bold,
                "max_lines": block.max_lines,
            }
        case Separator():
            return {"type": "separator", "char": block.char}
        case Logo():
            buffer = io.BytesIO()
            block.image.save(buffer, format="PNG")
            return {"type": "logo", "png": _b64(buffer.getvalue()), "max_width_mm": block.max_width_mm}
        case Pdf417():
            return {
                "type": "pdf417",
                "payload": _b64(block.payload),
                "min_width_mm": block.min_width_mm,
                "min_height_mm": block.min_height_mm,
                "error_correction": block.error_correction,
                "columns": block.columns,
            }
        case QrCode():
            return {"type": "qr", "data": block.data, "size_mm": block.size_mm}
        case Feed():
            return {"type": "feed", "lines": block.lines}
        case Cut():
            return {"type": "cut", "partial": block.partial}
        case DrawerKick():
            return {"type": "drawer_kick", "pin": block.pin}
    raise TypeError(f"not a receipt block: {block!r}")


def _block_from_dict(data: dict[str, Any]) -> Block:
    kind = data.get("type")
    match kind:
        case "text":
            return Text(data["text"], data["align"], data["bold"], data["double_width"], data["double_height"])
        case "row":
            widths = data["widths"]
            return Row(tuple(data["cells"]), None if widths is None else tuple(widths), data["bold"], data["max_lines"])
        case "separator":
            return Separator(data["char"])
        case "logo":
            image = Image.open(io.BytesIO(base64.b64decode(data["png"], validate=True)))
            image.load()
            return Logo(image, data["max_width_mm"])
        case "pdf417":
            return Pdf417(
                base64.b64decode(data["payload"], validate=True),
                data["min_width_mm"],
                data["min_height_mm"],
                data["error_correction"],
                data["columns"],
            )
        case "qr":
            return QrCode(data["data"], data["size_mm"])
        case "feed":
            return Feed(data["lines"])
        case "cut":
            return Cut(data["partial"])
        case "drawer_kick":
            return DrawerKick(data["pin"])
    raise ValueError(f"unknown receipt block type {kind!r}")


def receipt_to_json(receipt: Receipt) -> str:
    return json.dumps(
        {"version": VERSION, "blocks": [_block_to_dict(block) for block in receipt.blocks]},
        ensure_ascii=False,
        separators=(",", ":"),
    )


def receipt_from_json(text: str) -> Receipt:
    data = json.loads(text)
    if not isinstance(data, dict) or data.get("version") != VERSION:
        raise ValueError("not a receipt in this library's JSON format (version 1)")
    return Receipt(tuple(_block_from_dict(block) for block in data["blocks"]))

"""Every value a request carries — query, form, path — is read through here: typed, bounded, and refused with a
Spanish message that names the field (a 400), before any domain code or SQL sees it.

Why one layer: `"²".isdigit()` is true and `int("²")` raises; 25 digits overflow SQLite's integers; 5.000 digits
pass Python's int limit; a NUL byte or a megabyte in a field reaches code that never expected it. Each of those was a
500 somewhere. Forms become an `Inputs` (a dict of plain strings, every value already checked for size and control
bytes) with typed accessors; query parameters arrive as strings and go through the same functions.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping
from typing import Any

from litestar import Request
from litestar.datastructures import FormMultiDict

from appliance.core.errors import DomainError

# SQLite's INTEGER is 64-bit signed: an id outside this range cannot name a row, and SQLite refuses to bind it.
MAX_ID = 2**63 - 1
# The longest value any field takes (a product's barcode list, a promotion's product codes, the ley seca dates).
MAX_VALUE = 20_000
# What a form may carry: the largest real one (a return with its lines, the blind count) has a few dozen fields, so
# the body limit (app.py) and this count refuse a crafted one before it is parsed field by field.
MAX_BODY = 64 * 1024
MAX_FIELDS = 500
# A name, a code, a reason: what a single-line input holds.
LINE = 200
_ASCII_DIGITS = re.compile(r"[0-9]{1,19}")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

# How a field is named on screen when the value itself is refused before the handler asks for it by name.
LABELS = {
    "amount": "monto",
    "category_id": "categoría",
    "categories": "categorías",
    "code": "código",
    "container_id": "envase",
    "customer_id": "cliente",
    "kg": "peso",
    "name": "nombre",
    "parent_id": "categoría superior",
    "password": "contraseña",
    "pin": "PIN",
    "product_id": "producto",
    "quantity": "cantidad",
    "reason": "motivo",
    "supervisor_id": "quién autoriza",
    "supervisor_pin": "PIN de quien autoriza",
    "units": "unidades",
    "user_id": "usuario",
    "username": "usuario",
}


class InvalidInput(DomainError):
    """A value the request carried that cannot be what its field holds."""

    default_code = "invalid_input"

    def __init__(self, field: str, problem: str, label: str | None = None) -> None:
        shown = label or LABELS.get(field, field)
        super().__init__(f"El campo «{shown}» {problem}.")
        self.fields = {field: problem}


def _checked(field: str, value: str, *, max_len: int = MAX_VALUE, label: str | None = None) -> str:
    if len(value) > max_len:
        raise InvalidInput(field, f"es demasiado largo (máximo {max_len:,} caracteres)".replace(",", "."), label)
    if _CONTROL.search(value):
        raise InvalidInput(field, "contiene caracteres de control no válidos", label)
    return value


def as_text(value: str | None, field: str, *, max_len: int = LINE, label: str | None = None) -> str:
    """A line of text: at most `max_len` characters, no control bytes (tabs and line breaks are fine)."""
    return _checked(field, value or "", max_len=max_len, label=label)


def as_id(value: str | None, field: str, *, label: str | None = None) -> int | None:
    """A row id typed as ASCII digits, or None when empty. Anything else is refused: never a partial guess."""
    text = (value or "").strip()
    if not text:
        return None
    if not _ASCII_DIGITS.fullmatch(text) or not 0 < int(text) <= MAX_ID:
        raise InvalidInput(field, "no es un identificador válido", label)
    return int(text)


def as_int(
    value: str | None,
    field: str,
    *,
    minimum: int = 0,
    maximum: int,
    label: str | None = None,
) -> int | None:
    """A whole number within [minimum, maximum] typed as ASCII digits (an optional minus), or None when empty."""
    text = (value or "").strip()
    if not text:
        return None
    digits = text[1:] if text.startswith("-") else text
    if not _ASCII_DIGITS.fullmatch(digits):
        raise InvalidInput(field, "debe ser un número entero", label)
    number = int(text)
    if not minimum <= number <= maximum:
        raise InvalidInput(field, f"debe estar entre {minimum} y {maximum}", label)
    return number


# The bad-input test turns this on to learn every field a handler reads, so a new field cannot escape its table.
fields_read: set[str] | None = None


class Inputs(dict[str, str]):
    """A submitted form (or query string) as plain strings, each already bounded and free of control bytes.

    For repeated keys the last one wins (a checkbox with its hidden default); `many` keeps them all.
    """

    def get(self, key: str, default: Any = None) -> Any:
        if fields_read is not None:
            fields_read.add(key)
        return super().get(key, default)

    def __getitem__(self, key: str) -> str:
        if fields_read is not None:
            fields_read.add(key)
        return super().__getitem__(key)

    def __init__(self, pairs: Iterable[tuple[str, Any]] = ()) -> None:
        super().__init__()
        self._many: dict[str, list[str]] = {}
        for key, value in pairs:
            if not isinstance(value, str) or len(key) > 100:
                continue  # uploads are read by the handler that expects them; absurd keys are nobody's field
            _checked(key, value)
            self[key] = value
            self._many.setdefault(key, []).append(value)

    def text(self, field: str, *, max_len: int = LINE, default: str = "", label: str | None = None) -> str:
        return as_text(self.get(field, default), field, max_len=max_len, label=label)

    def id(self, field: str, *, label: str | None = None) -> int | None:
        return as_id(self.get(field), field, label=label)

    def required_id(self, field: str, message: str, *, code: str = "missing") -> int:
        """An id the action cannot go without: when empty, `message` says what to choose."""
        value = self.id(field)
        if value is None:
            raise DomainError(message, code)
        return value

    def number(self, field: str, *, maximum: int, minimum: int = 0, label: str | None = None) -> int | None:
        return as_int(self.get(field), field, minimum=minimum, maximum=maximum, label=label)

    def choice(self, field: str, options: Collection[str], *, default: str = "", label: str | None = None) -> str:
        value = str(self.get(field, default))
        if value not in options:
            raise InvalidInput(field, "no tiene un valor permitido", label)
        return value

    def flag(self, field: str) -> bool:
        """A checkbox: ticked sends "on" (or a hidden "1"/"si")."""
        return str(self.get(field, "")).strip().lower() in ("on", "1", "si", "sí", "true")

    def many(self, field: str) -> list[str]:
        if fields_read is not None:
            fields_read.add(field)
        return list(self._many.get(field, []))

    def ids(self, field: str, *, label: str | None = None) -> list[int]:
        found = [as_id(value, field, label=label) for value in self.many(field)]
        return [value for value in found if value is not None]


async def read_form(request: Request[Any, Any, Any]) -> FormMultiDict:
    """The form as Litestar parses it, after counting its fields in the raw body (parsing a crafted body of thousands
    of empty fields holds the event loop), and with an undecodable multipart part refused instead of raised."""
    if (
        request.content_type[0] == "application/x-www-form-urlencoded"
        and (await request.body()).count(b"&") >= MAX_FIELDS
    ):
        raise InvalidInput("formulario", "trae demasiados campos", "formulario")
    try:
        return await request.form()
    except (UnicodeDecodeError, LookupError) as exc:  # a part declaring a charset it is not in, or none that exists
        raise InvalidInput("formulario", "no se pudo leer (codificación no válida)", "formulario") from exc


async def form(request: Request[Any, Any, Any]) -> Inputs:
    """The submitted form, checked (raises InvalidInput, a 400)."""
    return Inputs((await read_form(request)).multi_items())


def query(request: Request[Any, Any, Any]) -> Inputs:
    return Inputs(request.query_params.multi_items())


def of(values: Mapping[str, str]) -> Inputs:
    return Inputs(values.items())

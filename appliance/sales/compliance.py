"""When alcohol may be sold: the hours of the shop's patente and the dates the authority declares dry (ley seca).

The rules live in the `settings` table under `pos.alcohol`, edited on the back office. Times are the shop's
(America/Santiago); a window may cross midnight (10:00–01:00). Outside it, a supervisor may authorise one line,
and that is audit-logged by the caller.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time

from sqlalchemy.ext.asyncio import AsyncSession

from appliance.company import service as company
from appliance.core.clock import CHILE_TZ
from appliance.db.models import Setting

ALCOHOL_KEY = "pos.alcohol"
# Ley 19.925 lets each comuna set the hours; 10:00–01:00 is a common one for a minimarket with patente de alcoholes.
DEFAULT_FROM, DEFAULT_UNTIL = time(10, 0), time(1, 0)


@dataclass(frozen=True)
class AlcoholRules:
    sells_from: time = DEFAULT_FROM
    sells_until: time = DEFAULT_UNTIL
    dry_dates: tuple[date, ...] = field(default=())

    def blocked(self, now: datetime) -> str | None:
        """Why alcohol can't be sold at `now`, in Spanish; None when it can."""
        local = now.astimezone(CHILE_TZ)
        # Past midnight inside a window that crosses it, the night still belongs to the previous day's ley seca.
        crosses = self.sells_until <= self.sells_from
        night_of = local.date()
        if crosses and local.time() < self.sells_until:
            night_of = date.fromordinal(local.date().toordinal() - 1)
        if local.date() in self.dry_dates or (night_of in self.dry_dates and night_of != local.date()):
            return f"Hoy rige ley seca ({local:%d-%m-%Y}): no se vende alcohol."
        t = local.time()
        inside = (
            self.sells_from <= t < self.sells_until if not crosses else (t >= self.sells_from or t < self.sells_until)
        )
        if not inside:
            return f"Fuera del horario de venta de alcohol ({self.sells_from:%H:%M} a {self.sells_until:%H:%M})."
        return None

    def to_json(self) -> dict[str, object]:
        return {
            "from": self.sells_from.strftime("%H:%M"),
            "until": self.sells_until.strftime("%H:%M"),
            "dry_dates": [d.isoformat() for d in self.dry_dates],
        }

    @classmethod
    def from_json(cls, value: object) -> AlcoholRules:
        if not isinstance(value, dict):
            return cls()
        return cls(
            time.fromisoformat(str(value.get("from", "10:00"))),
            time.fromisoformat(str(value.get("until", "01:00"))),
            tuple(sorted(date.fromisoformat(str(d)) for d in value.get("dry_dates", []))),
        )


DATE_FORMATS = ("%d-%m-%Y", "%d/%m/%Y", "%Y-%m-%d")  # as the screens write dates; the ISO form still read
_DATE_SHAPE = re.compile(r"\d{1,2}([-/])\d{1,2}\1\d{4}|\d{4}-\d{1,2}-\d{1,2}")


def parse_date(text: str) -> date:
    """A date typed on the back office: dd-mm-aaaa (also dd/mm/aaaa, and aaaa-mm-dd as older input was). Raises
    ValueError."""
    text = text.strip()
    if _DATE_SHAPE.fullmatch(text) is None:  # strptime would read "14-12-26" as the year 26
        raise ValueError(f"not a date: {text!r}")
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(f"not a date: {text!r}")


def format_date(day: date) -> str:
    """A date as the screens show it: 14-12-2026."""
    return day.strftime("%d-%m-%Y")


def format_dates(days: Iterable[date]) -> str:
    """The ley seca dates for the back-office form: one dd-mm-aaaa per line."""
    return "\n".join(format_date(d) for d in days)


async def alcohol_rules(session: AsyncSession) -> AlcoholRules:
    return AlcoholRules.from_json(await company.setting(session, ALCOHOL_KEY))


def parse_form(data: dict[str, str]) -> tuple[AlcoholRules | None, dict[str, str]]:
    """The back-office form: two times and a list of dates (one per line or comma-separated), dd-mm-aaaa."""
    errors: dict[str, str] = {}
    times = []
    for key in ("alcohol_from", "alcohol_until"):
        try:
            times.append(time.fromisoformat(data.get(key, "").strip()))
        except ValueError:
            errors[key] = "hora inválida (use HH:MM, ej.: 10:00)"
    dates = []
    for raw in data.get("dry_dates", "").replace(",", "\n").splitlines():
        if raw.strip():
            try:
                dates.append(parse_date(raw))
            except ValueError:
                errors["dry_dates"] = f"«{raw.strip()}» no es una fecha (use DD-MM-AAAA, ej.: 14-12-2026)"
    if len(times) == 2 and times[0] == times[1]:
        errors["alcohol_until"] = "el horario no puede empezar y terminar a la misma hora"
    if errors:
        return None, errors
    return AlcoholRules(times[0], times[1], tuple(sorted(set(dates)))), {}


async def save(session: AsyncSession, rules: AlcoholRules) -> None:
    row = await session.get(Setting, ALCOHOL_KEY)
    if row is None:
        session.add(Setting(key=ALCOHOL_KEY, value=rules.to_json()))
    else:
        row.value = rules.to_json()

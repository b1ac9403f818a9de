"""The small health value every device driver reports, for the app to show.

It lives here only because the scale was the first driver to need it; the scanner and GPIO packages re-export the same
class, so `drivers.scale.Health is drivers.scanner.Health is drivers.gpio.Health`.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class HealthState(enum.Enum):
    OK = "ok"
    OFFLINE = "offline"  # not there (unplugged, no answer, no GPIO): usually fixed by plugging it in
    ERROR = "error"  # there but misbehaving (permissions, wrong protocol, pin in use): needs a person


@dataclass(frozen=True)
class Health:
    state: HealthState
    detail: str  # short English sentence; the app translates or shows it in the admin page

    @property
    def ok(self) -> bool:
        return self.state is HealthState.OK

    @classmethod
    def healthy(cls, detail: str = "ok") -> Health:
        return cls(HealthState.OK, detail)

    @classmethod
    def offline(cls, detail: str) -> Health:
        return cls(HealthState.OFFLINE, detail)

    @classmethod
    def error(cls, detail: str) -> Health:
        return cls(HealthState.ERROR, detail)

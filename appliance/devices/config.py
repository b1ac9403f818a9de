"""The box's GPIO wiring, from the optional `[gpio]` section of the settings file (data_dir/minimarket.toml):

    [gpio]
    status_led = 17          # BCM numbers; false = not fitted
    buzzer = 27
    shutdown_button = 3
    drawer_relay = false
    shutdown_command = ["systemctl", "poweroff"]

Boot settings (`appliance.settings`) read only `[server]`; the wiring is the device layer's business, so it is read
here. `Settings.extra["gpio"]` (a dict with the same keys) overrides the file, for tests and embedding.
"""

from __future__ import annotations

import logging
import tomllib
from dataclasses import dataclass, field, fields
from typing import Any

from appliance.settings import CONFIG_FILE_NAME, Settings
from drivers.gpio import GpioPins

log = logging.getLogger(__name__)

DEFAULT_SHUTDOWN = ("systemctl", "poweroff")  # allowed to the service user by provisioning/polkit/


@dataclass(frozen=True)
class GpioConfig:
    pins: GpioPins = field(default_factory=GpioPins)
    shutdown_command: tuple[str, ...] = DEFAULT_SHUTDOWN


def _section(settings: Settings) -> dict[str, Any]:
    section: dict[str, Any] = {}
    path = settings.data_dir / CONFIG_FILE_NAME
    if path.exists():
        try:
            with path.open("rb") as fh:
                section.update(tomllib.load(fh).get("gpio", {}))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            # A broken file must not stop the shop from selling: log it, use the defaults.
            log.error("cannot read [gpio] from %s: %s", path, exc)
    extra = settings.extra.get("gpio")
    if isinstance(extra, dict):
        section.update(extra)
    return section


def _pin(value: Any) -> int | None:
    if value is False or value is None or value == "":
        return None
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 27:
        return value
    raise ValueError(f"not a BCM pin number 0–27: {value!r}")


def gpio_config(settings: Settings) -> GpioConfig:
    section = _section(settings)
    values: dict[str, Any] = {}
    for spec in fields(GpioPins):
        if spec.name not in section:
            continue
        raw = section[spec.name]
        try:
            if spec.name.endswith("_active_high"):
                values[spec.name] = bool(raw)
            elif spec.name == "shutdown_hold_seconds":
                values[spec.name] = float(raw)
            else:
                values[spec.name] = _pin(raw)
        except (TypeError, ValueError) as exc:
            log.error("[gpio] %s: %s; using the default", spec.name, exc)
    command = section.get("shutdown_command", DEFAULT_SHUTDOWN)
    if not (isinstance(command, list | tuple) and command and all(isinstance(part, str) for part in command)):
        log.error("[gpio] shutdown_command must be a list of strings; using %s", DEFAULT_SHUTDOWN)
        command = DEFAULT_SHUTDOWN
    return GpioConfig(GpioPins(**values), tuple(command))

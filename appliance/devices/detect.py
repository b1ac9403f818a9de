"""What is plugged into the box, as connection strings the settings page offers to pick.

Read from sysfs and the stable symlinks udev makes (never by opening the devices, which could disturb a scale or a
printer in use): USB devices by vendor:product from /sys/bus/usb/devices, serial ports from /dev/serial/by-id,
keyboard-like input devices (barcode scanners in HID mode) from /dev/input/by-id/*-event-kbd, and the kernel's
printer devices /dev/usb/lp*. `root` lets tests lay out a fake tree.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

# Makers of ESC/POS receipt printers sold in Chile, and chip vendors whose ids the generic "POS-58/POS-80" use.
PRINTER_VENDORS = {
    0x04B8: "Epson",
    0x0519: "Star Micronics",
    0x1504: "Bixolon",
    0x0DD4: "Custom",
    0x154F: "SNBC",
    0x0416: "Winbond (impresora genérica)",
    0x0483: "STMicroelectronics (impresora genérica)",
    0x1FC9: "NXP (impresora genérica)",
    0x28E9: "GigaDevice (Xprinter)",
    0x0FE6: "ICS Advent (impresora genérica)",
}
USB_CLASS_PRINTER = "07"


@dataclass(frozen=True)
class UsbDevice:
    vendor_id: int
    product_id: int
    manufacturer: str
    product: str
    printer_class: bool  # has a USB printer-class interface

    @property
    def ids(self) -> str:
        return f"{self.vendor_id:04x}:{self.product_id:04x}"

    @property
    def label(self) -> str:
        name = " ".join(part for part in (self.manufacturer, self.product) if part)
        return f"{name or PRINTER_VENDORS.get(self.vendor_id, 'Dispositivo USB')} ({self.ids})"

    @property
    def likely_printer(self) -> bool:
        return self.printer_class or self.vendor_id in PRINTER_VENDORS


@dataclass(frozen=True)
class Choice:
    connection: str
    label: str


@dataclass(frozen=True)
class Detection:
    usb: tuple[UsbDevice, ...]
    printers: tuple[Choice, ...]
    scanners: tuple[Choice, ...]
    scales: tuple[Choice, ...]

    def as_json(self) -> dict[str, object]:
        return {
            "usb": [{"ids": d.ids, "label": d.label, "printer": d.likely_printer} for d in self.usb],
            "printers": [c.__dict__ for c in self.printers],
            "scanners": [c.__dict__ for c in self.scanners],
            "scales": [c.__dict__ for c in self.scales],
        }


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace").strip()
    except OSError:
        return ""


def usb_devices(root: Path = Path("/")) -> tuple[UsbDevice, ...]:
    base = root / "sys/bus/usb/devices"
    if not base.is_dir():
        return ()
    found = []
    for entry in sorted(base.iterdir()):
        if ":" in entry.name or entry.name.startswith("usb"):
            continue  # interfaces ("1-1:1.0") and root hubs
        vendor, product = _read(entry / "idVendor"), _read(entry / "idProduct")
        try:
            vendor_id, product_id = int(vendor, 16), int(product, 16)
        except ValueError:
            continue
        classes = {_read(interface / "bInterfaceClass") for interface in base.glob(f"{entry.name}:*")}
        found.append(
            UsbDevice(
                vendor_id,
                product_id,
                _read(entry / "manufacturer"),
                _read(entry / "product"),
                USB_CLASS_PRINTER in classes,
            )
        )
    return tuple(found)


def _links(directory: Path, pattern: str = "*") -> list[Path]:
    return sorted(directory.glob(pattern)) if directory.is_dir() else []


def detect(root: Path = Path("/")) -> Detection:
    devices = usb_devices(root)
    serial = [f"/dev/serial/by-id/{p.name}" for p in _links(root / "dev/serial/by-id")]
    keyboards = [f"/dev/input/by-id/{p.name}" for p in _links(root / "dev/input/by-id", "*-event-kbd")]
    printers = [Choice(f"usb:{d.ids}", f"USB: {d.label}") for d in devices if d.likely_printer]
    printers += [Choice(f"file:/dev/usb/{p.name}", f"Dispositivo de impresora {p.name}") for p in _lp(root)]
    printers += [Choice(f"serial:{path}", f"Puerto serie {Path(path).name}") for path in serial]
    scanners = [Choice(f"evdev:{path}", f"Lector USB (teclado) {Path(path).name}") for path in keyboards]
    scanners += [Choice(f"serial:{path}", f"Lector en puerto serie {Path(path).name}") for path in serial]
    scales = [Choice(f"serial:{path}", f"Puerto serie {Path(path).name}") for path in serial]
    return Detection(devices, tuple(printers), tuple(scanners), tuple(scales))


def _lp(root: Path) -> list[Path]:
    return _links(root / "dev/usb", "lp[0-9]*")

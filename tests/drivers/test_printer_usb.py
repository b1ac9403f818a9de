"""The USB printer through the real pyusb and python-escpos code, over a stand-in libusb backend: it prints, and every
way a box fails to reach a USB printer (no libusb, no permission, held by another program, unplugged, a wrong
endpoint) is a PrinterUnavailable with a Spanish reason, never a crash and never a dropped job."""

from __future__ import annotations

import array
import errno
import os
import re
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest
import usb.backend
import usb.backend.libusb0
import usb.backend.libusb1
import usb.backend.openusb
import usb.core

from drivers.printing import (
    PAPER_80MM,
    Backoff,
    EscposPrinter,
    MemoryJobStore,
    PrinterState,
    PrinterUnavailable,
    PrintQueue,
    QueueState,
    connect,
    drawer_kick_bytes,
    render_escpos,
)
from drivers.printing.status import encode_reply
from tests.drivers.printer_doubles import boleta, eventually

VENDOR, PRODUCT = 0x04B8, 0x0E15
_STATUS_QUERY = re.compile(rb"\x10\x04([\x01-\x04])")


def _usb_error(code: int) -> usb.core.USBError:
    error_class = usb.core.USBTimeoutError if code == errno.ETIMEDOUT else usb.core.USBError
    return error_class(os.strerror(code), -code, code)


class FakeLibusb(usb.backend.IBackend):  # type: ignore[misc]  # pyusb has no type hints
    """One ESC/POS printer as libusb would show it: configuration 1, interface 0 with bulk OUT 0x01 and IN 0x82.

    It answers DLE EOT status queries as an idle printer, keeps every other byte, and fails on demand the way real
    boxes do (errno values as pyusb's libusb1 backend sets them)."""

    def __init__(self) -> None:
        super().__init__()
        self.plugged = True
        self.open_errno: int | None = None
        self.claim_errno: int | None = None
        self.job_errno: int | None = None  # fails writes other than status queries
        self.answers = True
        self.received = bytearray()
        self.claimed: set[int] = set()
        self.open_handles = 0
        self._replies = bytearray()

    def enumerate_devices(self) -> Iterator[str]:
        if self.plugged:
            yield "printer"

    def get_device_descriptor(self, dev: str) -> SimpleNamespace:
        return SimpleNamespace(
            bLength=18, bDescriptorType=1, bcdUSB=0x0200, bDeviceClass=0, bDeviceSubClass=0, bDeviceProtocol=0,
            bMaxPacketSize0=64, idVendor=VENDOR, idProduct=PRODUCT, bcdDevice=0x0100, iManufacturer=0, iProduct=0,
            iSerialNumber=0, bNumConfigurations=1, address=5, bus=1, port_number=1, port_numbers=(1,), speed=3,
        )  # fmt: skip

    def get_configuration_descriptor(self, dev: str, config: int) -> SimpleNamespace:
        if config != 0:
            raise IndexError(config)
        return SimpleNamespace(
            bLength=9, bDescriptorType=2, wTotalLength=32, bNumInterfaces=1, bConfigurationValue=1, iConfiguration=0,
            bmAttributes=0x80, bMaxPower=50, extra_descriptors=[],
        )  # fmt: skip

    def get_interface_descriptor(self, dev: str, intf: int, alt: int, config: int) -> SimpleNamespace:
        if (intf, alt, config) != (0, 0, 0):
            raise IndexError(intf, alt)
        return SimpleNamespace(
            bLength=9, bDescriptorType=4, bInterfaceNumber=0, bAlternateSetting=0, bNumEndpoints=2,
            bInterfaceClass=7, bInterfaceSubClass=1, bInterfaceProtocol=2, iInterface=0, extra_descriptors=[],
        )  # fmt: skip

    def get_endpoint_descriptor(self, dev: str, ep: int, intf: int, alt: int, config: int) -> SimpleNamespace:
        address = (0x01, 0x82)[ep]
        return SimpleNamespace(
            bLength=7, bDescriptorType=5, bEndpointAddress=address, bmAttributes=0x02, wMaxPacketSize=64, bInterval=0,
            bRefresh=0, bSynchAddress=0, extra_descriptors=[],
        )  # fmt: skip

    def open_device(self, dev: str) -> object:
        if not self.plugged:
            raise _usb_error(errno.ENODEV)
        if self.open_errno is not None:
            raise _usb_error(self.open_errno)
        self.open_handles += 1
        return object()

    def close_device(self, dev_handle: object) -> None:
        self.open_handles -= 1

    def set_configuration(self, dev_handle: object, config_value: int) -> None:
        pass

    def get_configuration(self, dev_handle: object) -> int:
        return 1

    def reset_device(self, dev_handle: object) -> None:
        pass

    def claim_interface(self, dev_handle: object, intf: int) -> None:
        if self.claim_errno is not None:
            raise _usb_error(self.claim_errno)
        self.claimed.add(intf)

    def release_interface(self, dev_handle: object, intf: int) -> None:
        self.claimed.discard(intf)

    def bulk_write(self, dev_handle: object, ep: int, intf: int, data: array.array[int], timeout: int) -> int:
        if not self.plugged:
            raise _usb_error(errno.ENODEV)
        raw = bytes(data)
        queries = _STATUS_QUERY.findall(raw)
        if queries and _STATUS_QUERY.sub(b"", raw) == b"":
            if self.answers:
                self._replies += bytes(encode_reply(PrinterState.OK)[query[0]] for query in queries)
            return len(raw)
        if self.job_errno is not None:
            raise _usb_error(self.job_errno)
        self.received += raw
        return len(raw)

    def bulk_read(self, dev_handle: object, ep: int, intf: int, buff: array.array[int], timeout: int) -> int:
        if not self._replies:
            raise _usb_error(errno.ETIMEDOUT)
        count = min(len(buff), len(self._replies))
        buff[:count] = array.array("B", self._replies[:count])
        del self._replies[:count]
        return count

    @property
    def released(self) -> bool:
        """Nothing claimed, no handle left open: the next conversation, or another program, can take the printer."""
        return not self.claimed and self.open_handles == 0


@pytest.fixture
def libusb(monkeypatch: pytest.MonkeyPatch) -> FakeLibusb:
    backend = FakeLibusb()
    # usb.core.find tries libusb1 first, then openusb and libusb0.
    monkeypatch.setattr(usb.backend.libusb1, "get_backend", lambda *args, **kwargs: backend)
    return backend


def remove_libusb(monkeypatch: pytest.MonkeyPatch) -> None:
    """A box without libusb, whatever this machine has: every pyusb backend fails to load its library."""
    for module in (usb.backend.libusb1, usb.backend.openusb, usb.backend.libusb0):
        monkeypatch.setattr(module, "get_backend", lambda *args, **kwargs: None)


def usb_printer(connection: str = "usb:04b8:0e15") -> EscposPrinter:
    printer = connect(connection, PAPER_80MM)
    assert isinstance(printer, EscposPrinter)
    return printer


def test_prints_the_rendered_bytes_and_lets_go_of_the_printer(libusb: FakeLibusb) -> None:
    printer = usb_printer()
    assert printer.status().ok and printer.status().verified
    printer.print(boleta())
    printer.open_drawer(2)
    assert bytes(libusb.received) == render_escpos(boleta(), PAPER_80MM) + drawer_kick_bytes(2)
    assert libusb.released


def test_without_libusb_the_printer_is_in_error_and_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    remove_libusb(monkeypatch)
    printer = usb_printer()
    status = printer.status()
    assert status.state is PrinterState.ERROR
    assert "libusb" in status.detail and "apt-get install libusb-1.0-0" in status.detail
    with pytest.raises(PrinterUnavailable) as raised:
        printer.print(boleta())
    assert raised.value.status == status


async def test_a_receipt_queued_without_libusb_waits_and_prints_once_it_is_installed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    remove_libusb(monkeypatch)
    store = MemoryJobStore()
    queue = PrintQueue(usb_printer(), store, name="caja-1", backoff=Backoff(initial=0.02, factor=2, maximum=0.1))
    await queue.start()
    try:
        await queue.submit(boleta(), job_id="sale-1")
        await eventually(lambda: queue.snapshot().state is QueueState.WAITING, what="queue waiting")
        snapshot = queue.snapshot()
        assert snapshot.printer_status is not None and snapshot.printer_status.state is PrinterState.ERROR
        assert "libusb" in snapshot.pending[0].last_error and store.failed == {}

        installed = FakeLibusb()
        monkeypatch.setattr(usb.backend.libusb1, "get_backend", lambda *args, **kwargs: installed)
        queue.retry_now()
        await queue.join()
        assert store.completed == ["sale-1"] and store.failed == {}
        assert bytes(installed.received) == render_escpos(boleta(), PAPER_80MM)
    finally:
        await queue.stop()


def test_without_pyusb_the_printer_is_in_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("escpos.printer.usb.is_usable", lambda: False)
    status = usb_printer().status()
    assert status.state is PrinterState.ERROR and "pyusb" in status.detail


@pytest.mark.parametrize(
    ("setup", "connection", "state", "words"),
    [
        (lambda fake: setattr(fake, "plugged", False), "usb:04b8:0e15", PrinterState.OFFLINE, "No se encuentra"),
        (lambda fake: setattr(fake, "open_errno", errno.EACCES), "usb:04b8:0e15", PrinterState.ERROR, "Sin permiso"),
        (lambda fake: setattr(fake, "claim_errno", errno.EBUSY), "usb:04b8:0e15", PrinterState.ERROR, "ocupada"),
        (lambda fake: None, "usb:04b8:0e15?out_ep=0x03", PrinterState.ERROR, "no tiene el endpoint 0x03"),
        (lambda fake: None, "usb:04b8:0e15?in_ep=0x81", PrinterState.ERROR, "no tiene el endpoint 0x81"),
    ],
    ids=["unplugged", "no-permission", "busy", "wrong-out-endpoint", "wrong-in-endpoint"],
)
def test_a_printer_that_cannot_be_used_is_reported_when_opened(
    libusb: FakeLibusb, setup: Any, connection: str, state: PrinterState, words: str
) -> None:
    setup(libusb)
    printer = usb_printer(connection)
    status = printer.status()
    assert status.state is state and words in status.detail and "04b8:0e15" in status.detail
    with pytest.raises(PrinterUnavailable) as raised:
        printer.print(boleta())
    assert raised.value.status == status
    assert libusb.received == b"" and libusb.released


def test_a_wrong_in_endpoint_does_not_matter_without_status_queries(libusb: FakeLibusb) -> None:
    usb_printer("usb:04b8:0e15?in_ep=0x81&status=off").print(boleta())
    assert bytes(libusb.received) == render_escpos(boleta(), PAPER_80MM)


def test_a_printer_unplugged_mid_job_is_offline(libusb: FakeLibusb) -> None:
    libusb.job_errno = errno.ENODEV
    printer = usb_printer()
    with pytest.raises(PrinterUnavailable) as raised:
        printer.print(boleta())
    assert raised.value.status.state is PrinterState.OFFLINE and "se desconectó" in raised.value.status.detail
    assert libusb.released


def test_a_printer_that_does_not_answer_status_queries_is_offline(libusb: FakeLibusb) -> None:
    libusb.answers = False
    printer = usb_printer()
    assert printer.status().state is PrinterState.OFFLINE
    with pytest.raises(PrinterUnavailable):
        printer.print(boleta())
    assert libusb.received == b"" and libusb.released

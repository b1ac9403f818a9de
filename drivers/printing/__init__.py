"""Receipt printing for ESC/POS thermal printers: a device-independent `Receipt`, its rendering to ESC/POS bytes
(python-escpos) and to a PNG preview, printer connections with status, and an asyncio print queue that waits out
paper and network trouble without losing jobs.

    printer = connect("tcp:192.168.1.50:9100", PAPER_80MM)
    queue = PrintQueue(printer, store, name="caja-1")
    await queue.start()
    await queue.submit(ReceiptBuilder().text("Hola").cut().build(), job_id="sale-1234")
"""

from drivers.printing.codepage import CP850, CP858, WPC1252, CodePage
from drivers.printing.connections import (
    Connection,
    ConnectionSpec,
    DeviceConnection,
    FileConnection,
    SerialConnection,
    SimulatedConnection,
    TcpConnection,
    UsbConnection,
    parse_connection,
)
from drivers.printing.errors import ConnectionStringError, PrinterUnavailable, PrintingError
from drivers.printing.escpos_render import drawer_kick_bytes, render_escpos
from drivers.printing.preview import render_preview, render_preview_png
from drivers.printing.printer import EscposPrinter, Printer, connect
from drivers.printing.profiles import PAPER_58MM, PAPER_80MM, PAPER_80MM_42, PrinterProfile, profile_by_name
from drivers.printing.queue import (
    Backoff,
    JobStore,
    MemoryJobStore,
    PendingJob,
    PrintJob,
    PrintQueue,
    QueueSnapshot,
    QueueState,
)
from drivers.printing.receipt import (
    Align,
    Block,
    Cut,
    DrawerKick,
    DrawerPin,
    Feed,
    Logo,
    Pdf417,
    QrCode,
    Receipt,
    ReceiptBuilder,
    Row,
    Separator,
    Text,
)
from drivers.printing.receipt_json import receipt_from_json, receipt_to_json
from drivers.printing.simulated import SimulatedJob, SimulatedPrinter
from drivers.printing.status import PrinterState, PrinterStatus

__all__ = [
    "CP850",
    "CP858",
    "PAPER_58MM",
    "PAPER_80MM",
    "PAPER_80MM_42",
    "WPC1252",
    "Align",
    "Backoff",
    "Block",
    "CodePage",
    "Connection",
    "ConnectionSpec",
    "ConnectionStringError",
    "Cut",
    "DeviceConnection",
    "DrawerKick",
    "DrawerPin",
    "EscposPrinter",
    "Feed",
    "FileConnection",
    "JobStore",
    "Logo",
    "MemoryJobStore",
    "Pdf417",
    "PendingJob",
    "PrintJob",
    "PrintQueue",
    "Printer",
    "PrinterProfile",
    "PrinterState",
    "PrinterStatus",
    "PrinterUnavailable",
    "PrintingError",
    "QrCode",
    "QueueSnapshot",
    "QueueState",
    "Receipt",
    "ReceiptBuilder",
    "Row",
    "Separator",
    "SerialConnection",
    "SimulatedConnection",
    "SimulatedJob",
    "SimulatedPrinter",
    "TcpConnection",
    "Text",
    "UsbConnection",
    "connect",
    "drawer_kick_bytes",
    "parse_connection",
    "profile_by_name",
    "receipt_from_json",
    "receipt_to_json",
    "render_escpos",
    "render_preview",
    "render_preview_png",
]

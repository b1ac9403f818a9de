"""Hostile product spreadsheets against the import reader: seconds, memory and event-loop stall per file.

    python bench/xlsx_bombs.py [--timeout 30] [--memory-mb 2048] [--only NAME ...]

Each file is read in its own child process (address space capped at --memory-mb, killed after --timeout seconds):
once plain, for the wall and CPU time, the resident-set growth (the child's VmHWM, sampled while it runs so that a
killed child has one too, minus its VmHWM after imports; not ru_maxrss, which a child inherits from the parent that
spawned it) and the longest stall of an asyncio ticker while the file is read; once under tracemalloc, for the peak of
Python allocations. The reader is called as the web layer should: `read_upload` (a worker thread) when the reader
has it, else `read_file` on the event loop, as the code before the fix did. Figures, not a test.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
PARTS = {
    "[Content_Types].xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        "</Types>"
    ),
    "_rels/.rels": (
        f'<Relationships xmlns="{PKG}"><Relationship Id="rId1" Target="xl/workbook.xml" '
        f'Type="{REL}/officeDocument"/></Relationships>'
    ),
    "xl/workbook.xml": (
        f'<workbook xmlns="{MAIN}" xmlns:r="{REL}"><sheets><sheet name="Hoja1" sheetId="1" r:id="rId1"/></sheets>'
        "</workbook>"
    ),
    "xl/_rels/workbook.xml.rels": (
        f'<Relationships xmlns="{PKG}"><Relationship Id="rId1" Target="worksheets/sheet1.xml" '
        f'Type="{REL}/worksheet"/></Relationships>'
    ),
}
HEADER = (
    '<row r="1"><c r="A1" t="inlineStr"><is><t>codigo</t></is></c><c r="B1" t="inlineStr"><is><t>nombre</t></is></c>'
    '<c r="C1" t="inlineStr"><is><t>precio</t></is></c></row>'
)


def _row(line: int) -> str:
    return (
        f'<row r="{line}"><c r="A{line}" t="inlineStr"><is><t>P{line}</t></is></c>'
        f'<c r="B{line}" t="inlineStr"><is><t>Producto {line}</t></is></c><c r="C{line}"><v>990</v></c></row>'
    )


def hand_made_xlsx(path: Path, dimension: str | None, chunks: Iterator[str]) -> None:
    """A minimal workbook written part by part, as an attacker would: the sheet is streamed into the zip."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in PARTS.items():
            archive.writestr(name, text)
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            head = f'<worksheet xmlns="{MAIN}">'
            if dimension:
                head += f'<dimension ref="{dimension}"/>'
            sheet.write((head + "<sheetData>").encode())
            for chunk in chunks:
                sheet.write(chunk.encode())
            sheet.write(b"</sheetData></worksheet>")


def dimension_bomb(far_cell: str, far_row: int, dimension: str) -> Callable[[Path], None]:
    def build(path: Path) -> None:
        cell = f'<row r="{far_row}"><c r="{far_cell}{far_row}" t="inlineStr"><is><t>x</t></is></c></row>'
        hand_made_xlsx(path, dimension, iter([HEADER, _row(2), _row(3), cell]))

    return build


def zip_member_bomb(path: Path, megabytes: int = 200) -> None:
    # Rows without an r attribute: each one is "the next row" to a reader; 1 MB of them repeated compresses ~1000:1.
    row = '<row><c t="inlineStr"><is><t>x</t></is></c></row>'
    block = row * (1024 * 1024 // len(row))
    hand_made_xlsx(path, None, iter([HEADER, *([block] * megabytes)]))


def wide_rows(path: Path, rows: int = 120) -> None:
    # Excel's widest rows (16.384 cells) of random numbers: near 40 MB unzipped, compressing only ~3:1, so it passes
    # every check on the zip; the most CPU a file within the limits can ask for.
    chance = random.Random(1)
    cells = ["".join(f"<c><v>{chance.randrange(10**6)}</v></c>" for _ in range(16_384)) for _ in range(8)]
    hand_made_xlsx(path, None, iter([HEADER, *(f"<row>{cells[n % 8]}</row>" for n in range(rows))]))


def many_attributes(path: Path, count: int = 4_000_000) -> None:
    # One tag with millions of attributes: an XML parser builds them all at once.
    def chunks() -> Iterator[str]:
        yield HEADER + '<row r="2"'
        for start in range(0, count, 100_000):
            yield "".join(f' a{n}=""' for n in range(start, start + 100_000))
        yield '><c r="A2"><v>1</v></c></row>'

    hand_made_xlsx(path, None, chunks())


def shared_text_everywhere(path: Path, rows: int = 50_000) -> None:
    # One 30.000-character shared text (with a leading space, so stripping it copies) on every row.
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in PARTS.items():
            if name == "[Content_Types].xml":  # openpyxl finds the shared texts by their content type
                text = text.replace(
                    "</Types>",
                    '<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
                    'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
                )
            if name == "xl/_rels/workbook.xml.rels":
                text = text.replace(
                    "</Relationships>",
                    f'<Relationship Id="rId2" Target="sharedStrings.xml" Type="{REL}/sharedStrings"/></Relationships>',
                )
            archive.writestr(name, text)
        archive.writestr(
            "xl/sharedStrings.xml", f'<sst xmlns="{MAIN}"><si><t xml:space="preserve"> {"x" * 30_000}</t></si></sst>'
        )
        body = "".join(
            f'<row r="{n}"><c r="A{n}" t="s"><v>0</v></c><c r="B{n}" t="s"><v>0</v></c><c r="C{n}" t="s"><v>0</v></c>'
            "</row>"
            for n in range(2, rows + 2)
        )
        archive.writestr(
            "xl/worksheets/sheet1.xml", f'<worksheet xmlns="{MAIN}"><sheetData>{HEADER}{body}</sheetData></worksheet>'
        )


def openpyxl_rows(count: int) -> Callable[[Path], None]:
    def build(path: Path) -> None:
        from openpyxl import Workbook

        book = Workbook(write_only=True)
        sheet = book.create_sheet("Productos")
        sheet.append(["Código", "Nombre", "Categoría", "Precio", "Código de barras"])
        for n in range(count):
            sheet.append([f"P{n}", f"Producto de prueba número {n}", "Almacén", 990 + n % 500, 7800000000000 + n])
        book.save(path)

    return build


def csv_rows(count: int) -> Callable[[Path], None]:
    def build(path: Path) -> None:
        with path.open("w", encoding="utf-8") as out:
            out.write("codigo;nombre;precio\n")
            for n in range(count):
                out.write(f"P{n};Producto {n};990\n")

    return build


def short_csv_rows(path: Path) -> None:
    path.write_bytes(b"codigo;nombre;precio\n" + b"P;x;1\n" * 200_000)


CASES: dict[str, tuple[str, Callable[[Path], None]]] = {
    "dimension_A1:CV300000": ("bomb.xlsx", dimension_bomb("A", 300_000, "A1:CV300000")),
    "dimension_A1:XFD1048576": ("bomb.xlsx", dimension_bomb("XFD", 1_048_576, "A1:XFD1048576")),
    "zip_member_200MB": ("bomb.xlsx", zip_member_bomb),
    "xlsx_50001_rows": ("rows.xlsx", openpyxl_rows(50_001)),
    "xlsx_50000_rows_ok": ("rows.xlsx", openpyxl_rows(50_000)),
    "wide_rows_120x16384_cells": ("wide.xlsx", wide_rows),
    "tag_with_4M_attributes": ("attrs.xlsx", many_attributes),
    "shared_30KB_text_on_50000_rows": ("shared.xlsx", shared_text_everywhere),
    "csv_1000000_rows": ("rows.csv", csv_rows(1_000_000)),
    "csv_200000_short_rows": ("rows.csv", short_csv_rows),
    "csv_50000_rows_ok": ("rows.csv", csv_rows(50_000)),
}


def child(path: Path, memory_mb: int, trace: bool) -> None:
    """Runs in the child process: read one file and print one JSON line."""
    limit = memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    import openpyxl  # noqa: F401 - loaded before the baseline, so its own size does not count as the file's

    from appliance.imports import reader

    data = path.read_bytes()
    print(json.dumps({"baseline_kb": _peak_kb(os.getpid())}), flush=True)
    if trace:
        import tracemalloc

        tracemalloc.start()

    async def main() -> dict[str, object]:
        stall = 0.0
        done = False

        async def ticker() -> None:
            nonlocal stall
            while not done:
                before = time.perf_counter()
                await asyncio.sleep(0.01)
                stall = max(stall, time.perf_counter() - before - 0.01)

        tick = asyncio.create_task(ticker())
        await asyncio.sleep(0.02)
        started = time.perf_counter()
        cpu = time.process_time()  # both threads: on a shared machine wall time says more about the neighbours
        try:
            if hasattr(reader, "read_upload"):
                rows = await reader.read_upload(path.name, data)
            else:
                rows = reader.read_file(path.name, data)
            outcome = f"accepted {len(rows)} rows"
        except reader.ImportFileError as exc:
            outcome = f"refused: {exc.message}"
        except MemoryError:
            outcome = f"MemoryError (address space capped at {memory_mb} MB)"
        seconds = time.perf_counter() - started
        cpu = time.process_time() - cpu
        done = True
        await tick
        return {
            "seconds": round(seconds, 3),
            "cpu_s": round(cpu, 3),
            "loop_stall_ms": round(stall * 1000, 1),
            "outcome": outcome,
        }

    figures = asyncio.run(main())
    figures["peak_kb"] = _peak_kb(os.getpid())
    if trace:
        figures["tracemalloc_peak_mb"] = round(tracemalloc.get_traced_memory()[1] / 2**20, 1)
    print(json.dumps(figures), flush=True)


def _peak_kb(pid: int) -> int:
    """The process's peak resident set (VmHWM), 0 once it is gone."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    return next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM:")), 0)


def run_child(path: Path, timeout: float, memory_mb: int, trace: bool) -> dict[str, object]:
    """One child: its JSON lines, and its peak RSS (also when it had to be killed)."""
    command = [sys.executable, __file__, "--child", str(path), "--memory-mb", str(memory_mb)]
    if trace:
        command.append("--trace")
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen(command, stdout=out, stderr=err, text=True)
        deadline = time.monotonic() + timeout
        timed_out = False
        peak_kb = 0
        while True:
            peak_kb = max(peak_kb, _peak_kb(proc.pid))
            pid, status = os.waitpid(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() > deadline and not timed_out:
                proc.kill()
                timed_out = True
            time.sleep(0.02)
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        lines = [json.loads(line) for line in out.read().splitlines() if line.startswith("{")]
        error = err.read().strip()
    baseline_kb = int(lines[0]["baseline_kb"]) if lines else 0
    if timed_out:
        result: dict[str, object] = {
            "outcome": f"killed after {timeout:.0f} s, unfinished",
            "seconds": f">{timeout:.0f}",
        }
    elif len(lines) >= 2:
        result = dict(lines[1])
    else:
        result = {"outcome": "crashed: " + (error.splitlines()[-1] if error else f"exit {proc.returncode}")}
    if not trace:
        peak_kb = max(peak_kb, int(str(result.pop("peak_kb", 0))))
        result["rss_growth_mb"] = round((peak_kb - baseline_kb) / 1024, 1) if baseline_kb else None
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timeout", type=float, default=30)
    parser.add_argument("--memory-mb", type=int, default=2048)
    parser.add_argument("--only", nargs="*", choices=sorted(CASES))
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--trace", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.memory_mb, args.trace)
        return
    report: dict[str, object] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.only or CASES:
            filename, build = CASES[name]
            path = Path(tmp) / filename
            build(path)
            figures: dict[str, object] = {"file_kb": round(path.stat().st_size / 1024, 1)}
            figures.update(run_child(path, args.timeout, args.memory_mb, trace=False))
            traced = run_child(path, 2 * args.timeout, args.memory_mb, trace=True)  # tracemalloc is slow
            figures["tracemalloc_peak_mb"] = traced.get("tracemalloc_peak_mb", traced["outcome"])
            report[name] = figures
            print(json.dumps({name: figures}, ensure_ascii=False), flush=True)
            path.unlink()
    print(json.dumps(report, ensure_ascii=False))


if __name__ == "__main__":
    main()

"""Type into a workbook in LibreOffice Calc, as a department does, and report
what the 提出前チェック sheet shows after each step.

Run with a Python that has LibreOffice's `uno` module (Debian: python3-uno),
not the test's venv:  python3 calc_typing.py WORKBOOK PROFILE_DIR < steps.json

Calc starts with its default settings (an .xlsx is NOT recalculated on
loading), so the counts change only because Calc recalculates what depends on
the typed cells, as it does for a person typing.  Steps (a JSON list):
  ["text", sheet, cell, "…"]      type text
  ["number", sheet, cell, 61.9]   type a number
  ["clear", sheet, cell]          delete a cell's content
  ["insert", sheet, row, count]   insert rows before 1-based row ``row``
  ["show"]                        report the check sheet now
  ["save", path]                  save the workbook as .xlsx to ``path``, as Calc's
                                  "Keep current format" does
Prints one JSON object per "show": total, verdict, section verdict, and each
rule's count and link text."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import uno
from com.sun.star.beans import PropertyValue


def _connect(pipe: str):
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext(
        "com.sun.star.bridge.UnoUrlResolver", local)
    for _ in range(300):
        try:
            return resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
        except Exception:  # noqa: BLE001 - Calc is still starting
            time.sleep(0.1)
    raise SystemExit("LibreOffice did not start")


def _verdict(doc) -> tuple[str, str]:
    """The section sheet and its 提出前チェック verdict cell, as the template's
    hidden identity sheet records them (any layout)."""
    meta = doc.Sheets.getByName("_sheetkit")
    row = 1
    while meta.getCellRangeByName(f"A{row}").getString():
        if meta.getCellRangeByName(f"A{row}").getString() == "precheck":
            sheet, cell = json.loads(meta.getCellRangeByName(f"B{row}").getString())["verdict"]
            return sheet, cell
        row += 1
    raise SystemExit("no 提出前チェック recorded in the identity sheet")


def _show(doc, section: tuple[str, str]) -> dict:
    check = doc.Sheets.getByName("提出前チェック")
    rows = []
    row = 7
    while check.getCellRangeByName(f"B{row}").getString():
        rows.append([check.getCellRangeByName(f"C{row}").getValue(),
                     check.getCellRangeByName(f"D{row}").getString()])
        row += 1
    total = doc.NamedRanges.getByName("提出前チェック").getReferredCells().getCellByPosition(0, 0)
    return {"total": total.getValue(), "verdict": check.getCellRangeByName("D4").getString(),
            "section_verdict": doc.Sheets.getByName(section[0]).getCellRangeByName(
                section[1]).getString(),
            "rows": rows}


def main(workbook: str, profile: str) -> None:
    steps = json.load(sys.stdin)
    pipe = f"sheetkit_typing_{os.getpid()}"
    office = subprocess.Popen(
        ["soffice", f"-env:UserInstallation={uno.systemPathToFileUrl(profile)}", "--headless",
         "--invisible", "--norestore", "--nologo", f"--accept=pipe,name={pipe};urp;"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        ctx = _connect(pipe)
        desktop = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
        hidden = PropertyValue()
        hidden.Name, hidden.Value = "Hidden", True
        doc = desktop.loadComponentFromURL(uno.systemPathToFileUrl(workbook), "_blank", 0,
                                           (hidden,))
        section = _verdict(doc)
        for step in steps:
            kind = step[0]
            if kind == "show":
                print(json.dumps(_show(doc, section), ensure_ascii=False), flush=True)
                continue
            if kind == "save":
                xlsx = PropertyValue()
                xlsx.Name, xlsx.Value = "FilterName", "Calc MS Excel 2007 XML"
                doc.storeToURL(uno.systemPathToFileUrl(step[1]), (xlsx,))
                continue
            sheet = doc.Sheets.getByName(step[1])
            if kind == "insert":
                sheet.unprotect("")          # no password; Calc's API ignores the allowance
                sheet.Rows.insertByIndex(step[2] - 1, step[3])
                continue
            cell = sheet.getCellRangeByName(step[2])
            if kind == "text":
                cell.setString(step[3])
            elif kind == "number":
                cell.setValue(step[3])
            else:
                cell.setString("")
        doc.close(True)
    finally:
        office.terminate()
        office.wait(timeout=30)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])

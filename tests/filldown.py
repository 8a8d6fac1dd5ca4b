"""Formulas written as Excel writes them once they are filled down or copied:
shared formulas (the first cell of a group holds the text and the group's range,
each other cell only the group's index)."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

from openpyxl.formula.translate import Translator

_FORMULA = re.compile(rb'<c r="([A-Z]{1,3})([0-9]+)"([^>]*)><f>([^<]*)</f>')


def _unescaped(text: bytes) -> str:
    return (text.decode().replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"')
            .replace("&apos;", "'").replace("&amp;", "&"))


def shared(sheet: bytes) -> bytes:
    """A sheet's formulas in one column that are the same formula moved down
    (openpyxl's Translator says so) written as one shared formula each."""
    groups: list[tuple[bytes, str, str, list[re.Match[bytes]]]] = []   # column, origin, text
    for found in _FORMULA.finditer(sheet):
        column, cell = found.group(1), (found.group(1) + found.group(2)).decode()
        text = "=" + _unescaped(found.group(4))
        for group in groups:
            if group[0] == column and Translator(group[2], group[1]).translate_formula(cell) == text:
                group[3].append(found)
                break
        else:
            groups.append((column, cell, text, [found]))
    edits = []
    index = 0
    for _, origin, _, members in groups:
        if len(members) < 2:
            continue
        last = members[-1].group(1) + members[-1].group(2)
        first = members[0]
        edits.append((first.start(), first.end(), b'<c r="%s%s"%s><f t="shared" ref="%s:%s" si="%d">%s</f>' % (
            first.group(1), first.group(2), first.group(3), origin.encode(), last, index,
            first.group(4))))
        edits.extend((m.start(), m.end(), b'<c r="%s%s"%s><f t="shared" si="%d"/>' % (
            m.group(1), m.group(2), m.group(3), index)) for m in members[1:])
        index += 1
    for start, end, new in sorted(edits, reverse=True):
        sheet = sheet[:start] + new + sheet[end:]
    return sheet


def filled_down(source: Path, target: Path) -> Path:
    """``source`` as Excel saves it after its formulas were filled down: every
    sheet's repeated formulas shared (the 達成率 of each indicator, the
    提出前チェック's links).  openpyxl reads the same formulas from both."""
    count = 0
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            data = old.read(info)
            if info.filename.startswith("xl/worksheets/"):
                data = shared(data)
                count += data.count(b'<f t="shared" si=')
            new.writestr(info, data)
    assert count, f"no formula of {source.name} could be shared"
    return target

"""A workbook of one sheet whose cells are written as given, XML element by
element, with number formats calamine must decide on (for tests that compare
read paths cell by cell)."""

import io
import zipfile
from xml.sax.saxutils import escape

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
TYPES = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
         '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
         '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
         'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
         '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
         'officedocument.spreadsheetml.sheet.main+xml"/>'
         '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.'
         'openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
         '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-'
         'officedocument.spreadsheetml.styles+xml"/>{extra}</Types>')
PACKAGE = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
           '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
           f'<Relationship Id="rId1" Type="{RELS}/officeDocument" Target="xl/workbook.xml"/>'
           '</Relationships>')
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    f'<Relationship Id="rId1" Type="{RELS}/worksheet" Target="worksheets/sheet1.xml"/>'
    f'<Relationship Id="rId2" Type="{RELS}/styles" Target="styles.xml"/>{{extra}}'
    '</Relationships>')
# number formats by style index: General, a percentage, dates, a duration, and
# custom codes calamine must decide on (quoted, escaped, bracketed, AM/PM ...)
FORMATS = [None, 10, 14, 22, 46, 47, 45, 18, '0.0%', 'yyyy-mm-dd h:mm:ss', '[$-411]ggge"年"m"月"d"日"',
           '"Y: "0.00"m"', '#,##0*y', '[h]:mm', 'ha/p\\\\m', '0"人"', '[Red]0.0', 'mm:ss.0', 'General',
           '#,##0_);[Red](#,##0)', '\\Y000000', '[>=100][Magenta]General', 'AM/PM h']


def styles_xml(formats: list) -> str:
    custom = [(164 + i, f) for i, f in enumerate(formats) if isinstance(f, str)]
    codes = {f: i for i, f in custom}
    xfs = "".join('<xf/>' if f is None else
                  f'<xf numFmtId="{codes[f] if isinstance(f, str) else f}" applyNumberFormat="1"/>'
                  for f in formats)
    numfmts = "".join(f'<numFmt numFmtId="{i}" formatCode="{escape(f, {chr(34): "&quot;"})}"/>'
                      for i, f in custom)
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<styleSheet xmlns="{MAIN}">'
            f'<numFmts count="{len(custom)}">{numfmts}</numFmts>'
            '<fonts count="1"><font/></fonts><fills count="1"><fill/></fills>'
            '<borders count="1"><border/></borders><cellStyleXfs count="1"><xf/></cellStyleXfs>'
            f'<cellXfs count="{len(formats)}">{xfs}</cellXfs></styleSheet>')


def workbook_bytes(cells: dict[tuple[int, int], str], formats: list = FORMATS,
                   shared: str | None = None, workbook_pr: str = "") -> bytes:
    """A workbook of one sheet whose cells are written as given (XML of each
    cell element, by 0-based (row, col))."""
    rows: dict[int, list[str]] = {}
    for (row, _), xml in sorted(cells.items()):
        rows.setdefault(row, []).append(xml)
    data = "".join(f'<row r="{row + 1}">{"".join(xs)}</row>' for row, xs in sorted(rows.items()))
    sheet = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{MAIN}" '
             f'xmlns:r="{RELS}"><sheetData>{data}</sheetData></worksheet>')
    workbook = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<workbook xmlns="{MAIN}" '
                f'xmlns:r="{RELS}">{workbook_pr}<sheets><sheet name="S &amp; 1" sheetId="1" '
                'r:id="rId1"/></sheets></workbook>')
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        extra = "" if shared is None else (
            '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.'
            'openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>')
        archive.writestr("[Content_Types].xml", TYPES.format(extra=extra))
        archive.writestr("_rels/.rels", PACKAGE)
        archive.writestr("xl/workbook.xml", workbook)
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS.format(
            extra="" if shared is None else
            f'<Relationship Id="rId3" Type="{RELS}/sharedStrings" Target="sharedStrings.xml"/>'))
        archive.writestr("xl/styles.xml", styles_xml(formats))
        archive.writestr("xl/worksheets/sheet1.xml", sheet)
        if shared is not None:
            archive.writestr("xl/sharedStrings.xml", f'<?xml version="1.0" encoding="UTF-8"?>\n'
                             f'<sst xmlns="{MAIN}">{shared}</sst>')
    return out.getvalue()

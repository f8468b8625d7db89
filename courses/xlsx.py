"""An XLSX workbook written row by row as it is sent.

openpyxl, which Wagtail's exports use, builds the whole file before the
first byte goes out: a cohort of 10,000 made the browser wait six seconds
for its progress grid, and the server hold every row. Here the sheet is
deflated into the ZIP archive while the rows are read, so the download
starts at once and memory stays flat. The parts are the fewest a workbook
needs (Office Open XML, ECMA-376): a sheet of inline strings, numbers,
booleans and dates, and one style each for dates, times and date-times.
"""

import datetime
import decimal
import math
import re
import zipfile
from itertools import chain
from xml.sax.saxutils import escape

CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: The longest text a cell holds in Excel, in UTF-16 units.
MAX_CELL_TEXT = 32767
#: Rows deflated together before what is ready is sent.
ROWS_PER_CHUNK = 200
#: Characters XML 1.0 does not allow, dropped from cell text.
NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
#: Day 0 of Excel's (1900) date system, as the file stores days.
EPOCH = datetime.datetime(1899, 12, 30)

# Style numbers, in the order of cellXfs below.
DATE, TIME, DATETIME = 1, 2, 3

PARTS = {
    "[Content_Types].xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        '<Override PartName="/xl/styles.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
        "</Types>"
    ),
    "_rels/.rels": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
        'relationships"><Relationship Id="rId1" Type="http://schemas.'
        "openxmlformats.org/officeDocument/2006/relationships/officeDocument"
        '" Target="xl/workbook.xml"/></Relationships>'
    ),
    "xl/_rels/workbook.xml.rels": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
        'relationships"><Relationship Id="rId1" Type="http://schemas.'
        'openxmlformats.org/officeDocument/2006/relationships/worksheet" '
        'Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://'
        'schemas.openxmlformats.org/officeDocument/2006/relationships/styles" '
        'Target="styles.xml"/></Relationships>'
    ),
    "xl/styles.xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/'
        'main"><numFmts count="3"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/>'
        '<numFmt numFmtId="165" formatCode="hh:mm"/>'
        '<numFmt numFmtId="166" formatCode="yyyy-mm-dd hh:mm"/></numFmts>'
        '<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
        '<fills count="2"><fill><patternFill patternType="none"/></fill>'
        '<fill><patternFill patternType="gray125"/></fill></fills>'
        '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/>'
        "</border></borders>"
        '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" '
        'borderId="0"/></cellStyleXfs>'
        '<cellXfs count="4"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" '
        'xfId="0"/><xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" '
        'applyNumberFormat="1"/><xf numFmtId="165" fontId="0" fillId="0" '
        'borderId="0" xfId="0" applyNumberFormat="1"/><xf numFmtId="166" '
        'fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
        '</cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" '
        'builtinId="0"/></cellStyles></styleSheet>'
    ),
}
WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="{name}" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
SHEET_START = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    "<sheetData>"
)
SHEET_END = "</sheetData></worksheet>"


def stream_xlsx(headings, rows, sheet_name="Sheet1"):
    """Yield the bytes of a workbook of one sheet: a row of ``headings``,
    then ``rows`` (each an iterable of cell values: text, numbers,
    booleans, dates, times, naive date-times or None)."""
    sink = _Sink()
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, text in PARTS.items():
            archive.writestr(name, text)
        archive.writestr(
            "xl/workbook.xml", WORKBOOK.format(name=_sheet_name(sheet_name))
        )
        yield sink.take()
        # Without zip64: Excel refuses a zip64 part in an archive without
        # a zip64 directory, and a sheet Excel can hold stays far below 4 GB.
        with archive.open("xl/worksheets/sheet1.xml", "w") as sheet:
            chunk = [SHEET_START]
            for number, row in enumerate(chain([headings], rows), start=1):
                chunk.append(_row(number, row))
                if len(chunk) >= ROWS_PER_CHUNK:
                    sheet.write("".join(chunk).encode())
                    chunk.clear()
                    yield sink.take()
            chunk.append(SHEET_END)
            sheet.write("".join(chunk).encode())
    yield sink.take()


class _Sink:
    """A file ZipFile writes to and this module takes the bytes from. It
    cannot seek or tell, so ZipFile writes each part's sizes after it."""

    def __init__(self):
        self.chunks = []

    def write(self, data):
        self.chunks.append(bytes(data))
        return len(data)

    def flush(self):
        pass

    def take(self):
        data = b"".join(self.chunks)
        self.chunks.clear()
        return data


def _sheet_name(name):
    # Excel refuses these characters and names over 31 characters.
    return escape(re.sub(r"[\[\]:*?/\\]", " ", str(name))[:31] or "Sheet1")


_COLUMNS = {}


def _column(index):
    """The column's letters: 0 is A, 26 is AA."""
    if index not in _COLUMNS:
        letters, number = "", index + 1
        while number:
            number, remainder = divmod(number - 1, 26)
            letters = chr(65 + remainder) + letters
        _COLUMNS[index] = letters
    return _COLUMNS[index]


def _row(number, values):
    cells = "".join(
        _cell(f"{_column(index)}{number}", value)
        for index, value in enumerate(values)
        if value is not None and value != ""
    )
    return f'<row r="{number}">{cells}</row>'


def _cell(ref, value):
    if isinstance(value, bool):
        return f'<c r="{ref}" t="b"><v>{int(value)}</v></c>'
    if isinstance(value, (int, float, decimal.Decimal)) and math.isfinite(value):
        return f'<c r="{ref}"><v>{value}</v></c>'
    if isinstance(value, datetime.datetime):
        if value.tzinfo is None:
            return f'<c r="{ref}" s="{DATETIME}"><v>{_days(value)}</v></c>'
    elif isinstance(value, datetime.date):
        days = _days(datetime.datetime.combine(value, datetime.time()))
        return f'<c r="{ref}" s="{DATE}"><v>{days}</v></c>'
    elif isinstance(value, datetime.time) and value.tzinfo is None:
        days = _days(datetime.datetime.combine(EPOCH, value))
        return f'<c r="{ref}" s="{TIME}"><v>{days}</v></c>'
    # Anything else is text, as it reads: never a formula.
    text = escape(_cut(NOT_IN_XML.sub("", str(value))))
    return f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>'


def _cut(text):
    """``text`` cut to what a cell holds: Excel counts UTF-16 units, in which
    a character beyond the Basic Multilingual Plane (an emoji) is two."""
    if len(text) * 2 <= MAX_CELL_TEXT:
        return text
    units = text.encode("utf-16-le")[: MAX_CELL_TEXT * 2]
    return units.decode("utf-16-le", "ignore")


def _days(value):
    return (value - EPOCH) / datetime.timedelta(days=1)

"""The XLSX workbooks the exports stream (courses/xlsx.py), read back by
openpyxl, and checked part by part as a ZIP of well-formed XML."""

import datetime
import io
import zipfile
from decimal import Decimal
from xml.etree import ElementTree

import openpyxl
from django.test import SimpleTestCase
from python_calamine import CalamineWorkbook

from courses.xlsx import MAX_CELL_TEXT, ROWS_PER_CHUNK, stream_xlsx


def workbook(headings, rows, name="Sheet1"):
    return b"".join(stream_xlsx(headings, rows, name))


class StreamedWorkbookTest(SimpleTestCase):
    def test_cells_read_back_as_they_were_written(self):
        written = [
            "Åsa Öberg <åsa@example.org> & “quotes”",
            42,
            2.5,
            Decimal("3.25"),
            True,
            datetime.date(2026, 3, 29),
            datetime.datetime(2026, 3, 29, 1, 30),
            datetime.time(9, 15),
            None,
            "  kept spaces  ",
        ]
        data = workbook([f"Column {i}" for i in range(len(written))], [written])
        sheet = openpyxl.load_workbook(io.BytesIO(data)).active
        headings, row = list(sheet.iter_rows(values_only=True))
        self.assertEqual(headings[0], "Column 0")
        self.assertEqual(
            list(row),
            [
                "Åsa Öberg <åsa@example.org> & “quotes”",
                42,
                2.5,
                3.25,
                True,
                datetime.datetime(2026, 3, 29),
                datetime.datetime(2026, 3, 29, 1, 30),
                datetime.time(9, 15),
                None,
                "  kept spaces  ",
            ],
        )
        cells = list(sheet.iter_rows(min_row=2))[0]
        self.assertEqual(cells[5].number_format, "yyyy-mm-dd")
        self.assertEqual(cells[6].number_format, "yyyy-mm-dd hh:mm")

    def test_a_second_reader_reads_the_same(self):
        """calamine (the reader pandas uses, written in Rust) shares no code
        with openpyxl."""
        data = workbook(
            ["Name", "Count", "Late", "Day", "At"],
            [
                [
                    "Åsa <&>",
                    3,
                    False,
                    datetime.date(2026, 10, 25),
                    datetime.datetime(2026, 10, 25, 3, 0),
                ]
            ],
        )
        sheet = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0)
        self.assertEqual(
            sheet.to_python(),
            [
                ["Name", "Count", "Late", "Day", "At"],
                [
                    "Åsa <&>",
                    3.0,
                    False,
                    datetime.date(2026, 10, 25),
                    datetime.datetime(2026, 10, 25, 3, 0),
                ],
            ],
        )

    def test_formula_like_text_stays_text(self):
        data = workbook(["=1+1"], [['=HYPERLINK("http://evil.example")'], ["@SUM(A1)"]])
        sheet = openpyxl.load_workbook(io.BytesIO(data)).active
        cells = [row[0] for row in sheet.iter_rows()]
        self.assertEqual([c.data_type for c in cells], ["s", "s", "s"])
        self.assertEqual(cells[1].value, '=HYPERLINK("http://evil.example")')
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            self.assertNotIn(b"<f>", archive.read("xl/worksheets/sheet1.xml"))

    def test_text_xml_cannot_hold_is_dropped_and_long_text_is_cut(self):
        data = workbook(
            ["text"],
            [["bell\x07 and nul\x00 gone"], ["x" * 40000], ["🙂" * 20000]],
        )
        sheet = openpyxl.load_workbook(io.BytesIO(data)).active
        rows = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
        self.assertEqual(rows[0], "bell and nul gone")
        self.assertEqual(len(rows[1]), MAX_CELL_TEXT)
        # Excel counts UTF-16 units: an emoji is two.
        self.assertEqual(rows[2], "🙂" * (MAX_CELL_TEXT // 2))

    def test_no_part_needs_zip64(self):
        """Excel refuses a zip64 part in an archive without a zip64
        directory; openpyxl and calamine read both."""
        data = workbook(["n"], ([n] for n in range(5000)))
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            self.assertEqual(
                {info.extract_version for info in archive.infolist()}, {20}
            )

    def test_every_part_is_well_formed_and_the_archive_sound(self):
        rows = ([f"Person {n}", n] for n in range(3 * ROWS_PER_CHUNK + 7))
        data = workbook(["Name", "Number"], rows, name="Progress: cohort/A [1]")
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            self.assertIsNone(archive.testzip())
            for name in archive.namelist():
                if name.endswith((".xml", ".rels")):
                    ElementTree.fromstring(archive.read(name))
        book = openpyxl.load_workbook(io.BytesIO(data))
        self.assertEqual(book.sheetnames, ["Progress  cohort A  1 "])
        self.assertEqual(book.active.max_row, 3 * ROWS_PER_CHUNK + 8)
        self.assertEqual(
            book.active.cell(3 * ROWS_PER_CHUNK + 8, 2).value, 3 * ROWS_PER_CHUNK + 6
        )

    def test_the_first_bytes_go_out_before_any_row_is_read(self):
        read = []

        def rows():
            for n in range(1000):
                read.append(n)
                yield [n]

        chunks = stream_xlsx(["n"], rows())
        first = next(chunks)
        self.assertTrue(first.startswith(b"PK"))
        self.assertEqual(read, [])
        second = next(chunks)
        self.assertLess(len(read), 1000, "rows are sent as they are read")
        rest = b"".join(chunks)
        self.assertEqual(len(read), 1000)
        sheet = openpyxl.load_workbook(io.BytesIO(first + second + rest)).active
        self.assertEqual(sheet.cell(1001, 1).value, 999)

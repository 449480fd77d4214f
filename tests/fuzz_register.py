"""Fuzzed register rows, and the check that the column-wise fast path parses them as row by row.

The register loader parses clean chunks column-wise (:mod:`gisrev.load._register_vec`)
and sends the rest to the per-row parser, which is the one definition of what a row means.
:func:`check_fast_path` feeds both the same fuzzed rows and stops at the first difference.
tests/test_register_fastpath.py runs it on a few seeds; ``bench/register.py --check ROWS``
runs it on more, and generates its benchmark registers with the same :data:`HEADERS`.
"""

from __future__ import annotations

import random
from typing import Any

#: The Thai LTAX headers of a register export, as the sample town's register has them.
HEADERS = (
    "รหัสแปลง,เลขที่โฉนด,ปีภาษี,เลขที่บัญชี,ชื่อเจ้าของ,เลขประจำตัวประชาชน,ประเภทผู้เสียภาษี,"
    "ประเภทการใช้ประโยชน์,ไร่,งาน,ตารางวา,มูลค่าที่ดิน,มูลค่าสิ่งปลูกสร้าง,ยกเว้น,ภาษีที่ประเมิน,"
    "ภาษีที่ชำระ,วันที่ชำระ"
).split(",")


#: The fuzzed rows' columns: HEADERS, the account fields, and two unmapped columns.
FUZZ_HEADERS = [*HEADERS, "ลักษณะการถือครอง", "ห้องชุดเลขที่", "สัดส่วนการถือครอง", "ระวาง",
                "เลขที่ดิน", "ประเภทเอกสารสิทธิ์", "หมายเหตุ", "อื่น"]


def fuzz_rows(rng: random.Random, n: int) -> list[list[str]]:
    """Return ``n`` register rows (FUZZ_HEADERS) with every awkward form.

    Thai digits, thousands separators, baht signs, signs and exponents, BE/CE and
    impossible years, IDs with separators, unknown codes, residential sub-case wordings,
    shares as fractions and percentages, impossible and future dates, quotes and
    backslashes, no-break and zero-width spaces, short, long and blank rows, and totals
    rows (labelled, or a last row of numbers only).
    """
    thai = str.maketrans("0123456789", "๐๑๒๓๔๕๖๗๘๙")

    def pick(forms: list[str]) -> str:
        # Mostly the first forms (awkward but valid: the column-wise path must take them),
        # now and then any, so that whole rows stay clean often enough to go column-wise.
        return rng.choice(forms[:3] if rng.random() < 0.9 else forms)

    def number() -> str:
        v = rng.choice([0, 1, 12.5, 1234567.891, 0.1, 99999999999, 1e-3, 3.14159265358979])
        text = rng.choice([f"{v}", f"{v:,.2f}", f"{v:.2f}", f" {v} ", f"฿{v:,.2f}"])
        return pick(
            [text, text.translate(thai), f" {text}", "-" + text, "", " ", "abc", "1e5", ".5", "5.",
             "+3", "1,2,3", "nan", "inf", "1" * 30, "\xa05", "๑ ๒๓๔", "-0"]
        )  # fmt: skip

    rows = []
    for i in range(n):
        cells = [
            pick([f"MH{i:04d}-01", f" mh {i} 02 ", f"๑๒-{i}", "", "  ", "A.B-C", "x\u200by",
                        "é-1", "ß1", "ab\tc", "รวม", "Total", " รวม 3 แปลง", "Totally-1"]),
            pick(["16614", "๑๖๖๑๔", " 1 ", ""]),
            pick(["2567", "2566", "2023", "๒๕๖๗", " 2567 ", "", "2567.0", "25x6", "1800",
                        "2700", "3000", "2570", "2026", "2027"]),
            pick(["AC1", "", " AC 2 "]),
            pick(["นายสุเทพ คำแสน", ' quote"d \\ ', "", "  ", "a\xa0b", "O'Brien", "รวมทั้งสิ้น",
                  "Grand total", "\xa0Total"]),
            pick(["1234567890123", "1-2345-67890-12-3", "๑๒๓๔๕๖๗๘๙๐๑๒๓", "123", "",
                        "1 2345 67890 12 3", "１２３"]),
            pick(["บุคคลธรรมดา", "นิติบุคคล", "", "Juristic", " individual ", "x"]),
            pick(["ที่อยู่อาศัย", "บ้านหลังหลัก", "อื่นๆ", "", "vacant", "MIXED", "?",
                  " Residential-Other ", "เจ้าของบ้านไม่มีที่ดิน", "บ้านหลังหลัก  (เฉพาะสิ่งปลูกสร้าง)",
                  "บ้านพัก"]),
            *(number() for _ in range(8)),
            pick(["25/04/2567", "2023-04-15", "", "๒๕/๐๔/๒๕๖๗", "31/02/2567", "15/04/2570",
                        "15/04/2568 10:00", "x", "1/1/2024", "01.02.2566", "45000"]),
            pick(["", "ห้องชุด", "ที่ดิน", "land+building", " Share ", "กรรมสิทธิ์รวม", "castle"]),
            pick(["", "12/345", "๑๒/๓๔", " A-1 "]),
            pick(["", "0.5", "๐.๒๕", "1", "1/3", "33.3%", "0", "1.5", "-0.5", "1/0", "abc", "%",
                  " 1,0 "]),
            pick(["", "5045 I 6820-07", "๔๗๔๔ IV ๖๖๑๒-๐๘"]),
            pick(["", "123", "๑๒๓", " 7 "]),
            pick(["", "โฉนดที่ดิน", " น.ส.3ก "]),
            pick(["", "note", ' "q" ', "\\", "  ", "ไทย"]),
            pick(["", "z", "  x"]),
        ]  # fmt: skip
        shape = rng.random()
        if shape < 0.03:
            cells = cells[: rng.randint(0, len(cells))]
        elif shape < 0.05:
            cells.append("extra")
        elif shape < 0.07:
            cells = [""] * len(cells)
        rows.append(cells)
    if rng.random() < 0.5:  # a last row of totals with no label: numbers only
        totals = [""] * len(FUZZ_HEADERS)
        totals[11:16] = ["1,234,567.00", "", "๑๒", " 5 ", "0"]
        rows.append(totals)
    rows += [[""] * len(FUZZ_HEADERS)] * rng.randint(0, 2)  # blank lines after it
    return rows


def check_fast_path(n_rows: int, *, seeds: int = 10) -> None:
    """Parse fuzzed chunks column-wise and row by row; stop at the first difference.

    The column-wise path must give the per-row parser's values, rejects and count
    of rows read, with and without --year.
    """
    from gisrev.load import _register_row as row_parser
    from gisrev.load import _register_vec as vec
    from gisrev.load import register

    headers = FUZZ_HEADERS
    columns = register.resolve_columns("register", headers, mapping=None, source="fuzz.csv")
    assert len(columns) == len(headers) - 2, columns  # all but the two unmapped columns
    for seed in range(seeds):
        rows = fuzz_rows(random.Random(seed), n_rows)
        row_nos = list(range(2, len(rows) + 2))
        for year in (None, 2024):
            outcomes = []
            for by_row in (True, False):  # the per-row parser alone (as for XLSX), then both
                parser = row_parser.RowParser(columns, headers, mapping=None, year=year)
                fast = None if by_row else parser.fast_rules()
                rejects: list[Any] = []
                totals: list[int] = []
                table, n_read = register._parse_chunk(
                    parser, fast, row_nos, rows, rejects=rejects, totals=totals, final=True
                )
                outcomes.append((table.to_pylist(), rejects, totals, n_read))
            chunk = vec.parse_chunk(rows, row_nos, parser.fast_rules())
            same = outcomes[0] == outcomes[1]
            print(
                f"  seed {seed}, --year {year}: {len(rows):,} rows, {len(chunk.flagged):,} "
                f"to the per-row parser, {len(rejects):,} rejected, {len(totals)} totals: "
                + ("same as row by row" if same else "DIFFERENT")
            )
            if not same:
                raise SystemExit(1)

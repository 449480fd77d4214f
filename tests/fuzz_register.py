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


def fuzz_rows(rng: random.Random, n: int) -> list[list[str]]:
    """Return ``n`` register rows (HEADERS plus two unmapped columns) with every awkward form.

    Thai digits, thousands separators, baht signs, signs and exponents, BE/CE and
    impossible years, IDs with separators, unknown codes, impossible and future dates,
    quotes and backslashes, no-break and zero-width spaces, short, long and blank rows.
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
                        "é-1", "ß1", "ab\tc"]),
            pick(["16614", "๑๖๖๑๔", " 1 ", ""]),
            pick(["2567", "2566", "2023", "๒๕๖๗", " 2567 ", "", "2567.0", "25x6", "1800",
                        "2700", "3000", "2570", "2026", "2027"]),
            pick(["AC1", "", " AC 2 "]),
            pick(["นายสุเทพ คำแสน", ' quote"d \\ ', "", "  ", "a\xa0b", "O'Brien"]),
            pick(["1234567890123", "1-2345-67890-12-3", "๑๒๓๔๕๖๗๘๙๐๑๒๓", "123", "",
                        "1 2345 67890 12 3", "１２３"]),
            pick(["บุคคลธรรมดา", "นิติบุคคล", "", "Juristic", " individual ", "x"]),
            pick(["ที่อยู่อาศัย", "อื่นๆ", "เกษตรกรรม", "", "vacant", "MIXED", "?"]),
            *(number() for _ in range(8)),
            pick(["25/04/2567", "2023-04-15", "", "๒๕/๐๔/๒๕๖๗", "31/02/2567", "15/04/2570",
                        "15/04/2568 10:00", "x", "1/1/2024", "01.02.2566", "45000"]),
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
    return rows


def check_fast_path(n_rows: int, *, seeds: int = 10) -> None:
    """Parse fuzzed chunks column-wise and row by row; stop at the first difference.

    The column-wise path must give the per-row parser's values, rejects and count
    of rows read, with and without --year.
    """
    from gisrev.load import _register_row as row_parser
    from gisrev.load import _register_vec as vec
    from gisrev.load import register

    headers = [*HEADERS, "หมายเหตุ", "อื่น"]
    columns = register.resolve_columns("register", headers, mapping=None, source="fuzz.csv")
    for seed in range(seeds):
        rows = fuzz_rows(random.Random(seed), n_rows)
        row_nos = list(range(2, len(rows) + 2))
        for year in (None, 2024):
            parser = row_parser.RowParser(columns, headers, mapping=None, year=year)
            expected: list[dict[str, Any]] = []
            expected_rejects: list[Any] = []
            for row_no, row in zip(row_nos, rows, strict=True):
                if all(register.is_blank(v) for v in row):
                    continue
                try:
                    values = parser.parse(row)
                except row_parser.Rejected as bad:
                    expected_rejects.append(row_parser.reject_of(row_no, bad))
                    continue
                expected.append({**values, "source_row": row_no})
            rejects: list[Any] = []
            fast = parser.fast_rules()
            chunk = vec.parse_chunk(rows, row_nos, fast)
            table, _ = register._parse_chunk(parser, fast, row_nos, rows, rejects)
            got = table.to_pylist()
            same = rejects == expected_rejects and got == [
                {name: row[name] for name in vec.SCHEMA.names} for row in expected
            ]
            print(
                f"  seed {seed}, --year {year}: {len(rows):,} rows, {len(chunk.flagged):,} "
                f"to the per-row parser, {len(rejects):,} rejected: "
                + ("same as row by row" if same else "DIFFERENT")
            )
            if not same:
                raise SystemExit(1)

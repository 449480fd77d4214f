"""National ID numbers are kept out of ``attrs`` by their value, whatever the column's header.

Register loads (the CSV fast path, the per-row parser for CSV rows it flags and for
every XLSX row) and vector loads leave a cell that is a Thai national ID number (13
digits, Thai or Arabic, dashes and spaces ignored, with a valid check digit) out of
``attrs``, warn once per column with the count, and never show the number itself.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
import sqlalchemy as sa
from fixtures_load import chiang_mai_xy, utm_square, write_csv, write_vector, write_xlsx
from sqlalchemy.engine import Engine

from gisrev.config import Settings
from gisrev.load import LoadReport, _register_vec, load_register, load_vector
from gisrev.load._personal import is_thai_id, thai_id_check_digit, thai_id_mask

SETTINGS = Settings(lgu_code="501004")
_THAI = str.maketrans("0123456789", "๐๑๒๓๔๕๖๗๘๙")


def _valid(first12: str) -> str:
    digits = np.array([[int(c) for c in first12]])
    return first12 + str(int(thai_id_check_digit(digits)[0]))


def _dashed(i: str, dash: str = "-") -> str:
    return dash.join([i[0], i[1:5], i[5:10], i[10:12], i[12]])


# Valid ID numbers, as registers write them.
PLAIN = _valid("110170023456")  # 1101700234568
DASHED = _dashed(_valid("310050123456"))
THAI = _dashed(_valid("520010098765")).translate(_THAI)
SPACED = _dashed(_valid("140990012345"), " ")
IDS = (PLAIN, DASHED, THAI, SPACED)
NBSP = _dashed(_valid("360990054321"), "\xa0")  # no-break spaces between the digit groups
# 13 digits whose last is not the check digit: kept, as any other text.
BAD_CHECK = (PLAIN[:12] + str((int(PLAIN[12]) + 1) % 10), _dashed("3100501234567"))
OTHER = ("ตรวจแล้ว", "081-234-5678", "โฉนด 12345")


def _bare(value: str) -> str:
    return re.sub(r"[\s\-\xa0]", "", value.translate(str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")))


def _leaks(text: str) -> list[str]:
    """The ID numbers (in any of the forms above, or bare) found in ``text``."""
    bare = re.sub(r"[\s\-\xa0]", "", text.translate(str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")))
    return [i for i in (*IDS, NBSP) if i in text or _bare(i) in bare]


def _rows(engine: Engine, sql: str) -> list[sa.Row]:
    with engine.connect() as conn:
        return list(conn.execute(sa.text(sql)))


def _stored_text(engine: Engine) -> str:
    """Everything a load wrote that a reader may see: attrs, the run's record, its rejects."""
    return "\n".join(
        str(r[0])
        for table in ("register", "parcels", "load_runs", "rejects")
        for r in _rows(engine, f"SELECT row_to_json(t)::text FROM {table} t")
    )


def _load_parcels(engine: Engine, folder: Path, records: list[dict[str, object]]) -> LoadReport:
    """Load one 20 m parcel per record from a cp874 shapefile; return the load's report."""
    x, y = chiang_mai_xy(32647)
    shp = write_vector(
        folder / "parcels.shp",
        records,
        [utm_square(x + 30 * k, y) for k in range(len(records))],
        crs=32647,
        encoding="cp874",
    )
    return load_vector(engine, shp, kind="parcels", settings=SETTINGS)


# ------------------------------------------------------------ the detector


def test_the_detector_finds_valid_ids_in_every_written_form_and_nothing_else() -> None:
    assert all(len(_bare(i)) == 13 for i in IDS)
    values = [*IDS, *BAD_CHECK, *OTHER, None, "", PLAIN + "0", PLAIN[:12], f"ID {PLAIN}"]
    mask = thai_id_mask(pa.array(values, pa.string()))
    assert mask.tolist() == [True] * len(IDS) + [False] * (len(values) - len(IDS))
    assert thai_id_mask(pa.chunked_array([values[:3], values[3:]])).tolist() == mask.tolist()
    assert thai_id_mask(pa.array(values, pa.large_string())).tolist() == mask.tolist()
    assert thai_id_mask(pa.array(values).slice(2)).tolist() == mask[2:].tolist()


def test_the_per_row_check_agrees_with_the_vectorised_one() -> None:
    rng = np.random.default_rng(7)
    digits = rng.integers(0, 10, size=(2000, 13))
    digits[::2, 12] = thai_id_check_digit(digits[::2, :12])  # half valid, half mostly not
    texts = ["".join(map(str, d)) for d in digits]
    forms = [
        *texts,
        *(_dashed(t) for t in texts[:200]),
        *(t.translate(_THAI) for t in texts[:200]),
        *(_dashed(t, "\xa0") for t in texts[:200]),
        *(_dashed(t, "\u2013") for t in texts[:200]),  # an en dash, as word processors write
        *OTHER,
        "",
    ]
    mask = thai_id_mask(pa.array(forms, pa.string()))
    assert mask.tolist() == [is_thai_id(v) for v in forms]
    assert 900 < mask[: len(texts)].sum() < 1200
    # A spreadsheet cell holding the number itself, as an int or a float.
    assert is_thai_id(int(PLAIN)) and is_thai_id(float(PLAIN))
    assert not is_thai_id(int(BAD_CHECK[0])) and not is_thai_id(True)


# ------------------------------------------------------------ register loads

HEADER = ["รหัสแปลง", "ปีภาษี", "ประเภทการใช้ประโยชน์", "หมายเหตุ", "ref"]


def _register_rows() -> list[list[object]]:
    """One row per value in หมายเหตุ; ``ref`` holds one more ID and plain text."""
    notes = [*IDS, *BAD_CHECK, *OTHER]
    rows: list[list[object]] = [
        [f"P{k}", "2566", "other", note, "r" + str(k)] for k, note in enumerate(notes)
    ]
    rows[-1][4] = PLAIN  # a second column, with one ID
    return rows


def _check_register(engine: Engine, report: object, source: Path, count: int) -> None:
    attrs = {
        r.parcel_code: r.attrs
        for r in _rows(engine, "SELECT parcel_code, attrs FROM register ORDER BY source_row")
    }
    notes = [*IDS, *BAD_CHECK, *OTHER]
    assert len(attrs) == len(notes)
    for k, note in enumerate(notes):
        got = attrs[f"P{k}"]
        if k < len(IDS):
            assert got == {"ref": f"r{k}"}  # the ID left out, the rest of the row's attrs kept
        elif k < len(notes) - 1:
            assert got == {"หมายเหตุ": note, "ref": f"r{k}"}
        else:
            assert got == {"หมายเหตุ": note}
    warnings = [w.split(": ", 1)[1] for w in report.warnings]  # type: ignore[attr-defined]
    assert warnings == [
        f"column 'หมายเหตุ' held {count} values that look like national ID numbers (13 digits "
        "with a valid check digit); they were not stored",
        "column 'ref' held 1 value that looks like a national ID number (13 digits with a "
        "valid check digit); it was not stored",
    ]
    assert all(w.startswith(str(source)) for w in report.warnings)  # type: ignore[attr-defined]
    assert _leaks(report.summary()) == []  # type: ignore[attr-defined]
    assert _leaks(_stored_text(engine)) == []
    assert any(b in _stored_text(engine) for b in BAD_CHECK)


def test_csv_register_leaves_id_numbers_out_of_attrs_on_both_paths(
    clean_db: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = _register_rows()
    # A no-break space between the digits sends a row to the per-row parser (the fast path
    # vouches for printable ASCII and Thai only); the other ID rows take the fast path.
    rows.insert(len(IDS), [f"P{len(rows)}", "2566", "other", NBSP, "per-row"])
    path = write_csv(tmp_path / "register.csv", HEADER, rows)

    fast_ids: list[int] = []
    parse_chunk = _register_vec.parse_chunk

    def spy(*args: object, **kwargs: object) -> _register_vec.FastChunk:
        chunk = parse_chunk(*args, **kwargs)  # type: ignore[arg-type]
        fast_ids.append(chunk.ids_withheld.get("หมายเหตุ", 0))
        assert len(chunk.flagged) == 1  # the no-break space row, and only it
        return chunk

    monkeypatch.setattr(_register_vec, "parse_chunk", spy)
    report = load_register(clean_db, path, settings=SETTINGS)

    assert report.n_loaded == len(rows) and report.n_rejected == 0
    assert fast_ids == [len(IDS)]  # the fast path withheld these; the per-row parser the 5th
    stored = _rows(clean_db, "SELECT attrs FROM register WHERE attrs->>'ref' = 'per-row'")
    assert [r.attrs for r in stored] == [{"ref": "per-row"}]
    with clean_db.begin() as conn:  # the checks below are about the other rows
        conn.execute(sa.text("DELETE FROM register WHERE attrs->>'ref' = 'per-row'"))
    _check_register(clean_db, report, path, count=len(IDS) + 1)


def test_xlsx_register_leaves_id_numbers_out_of_attrs(clean_db: Engine, tmp_path: Path) -> None:
    rows = _register_rows()
    rows.insert(len(IDS), [f"P{len(rows)}", 2566, "other", int(PLAIN), "number"])  # an int cell
    path = write_xlsx(tmp_path / "register.xlsx", HEADER, rows)

    report = load_register(clean_db, path, settings=SETTINGS)

    assert report.n_loaded == len(rows) and report.n_rejected == 0
    stored = _rows(clean_db, "SELECT attrs FROM register WHERE attrs->>'ref' = 'number'")
    assert [r.attrs for r in stored] == [{"ref": "number"}]
    with clean_db.begin() as conn:
        conn.execute(sa.text("DELETE FROM register WHERE attrs->>'ref' = 'number'"))
    _check_register(clean_db, report, path, count=len(IDS) + 1)


def test_the_load_command_prints_the_warning_and_no_id(
    clean_db: Engine, tmp_path: Path, gisrev_cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GISREV_LGU", SETTINGS.lgu_code)
    path = write_csv(tmp_path / "register.csv", HEADER, _register_rows())
    result = gisrev_cli("load", "register", path)
    assert result.code == 0, result.err
    output = result.out + result.err
    assert "column 'หมายเหตุ' held 4 values that look like national ID numbers" in output
    assert _leaks(output) == []


# ------------------------------------------------------------ vector loads


def test_shapefile_leaves_id_numbers_out_of_attrs(clean_db: Engine, tmp_path: Path) -> None:
    notes = [*IDS, *BAD_CHECK, *OTHER]
    records = [
        {"PCODE": f"P{k}", "NOTE": note, "OWNER": "นายสมชาย ใจดี"} for k, note in enumerate(notes)
    ]
    report = _load_parcels(clean_db, tmp_path, records)

    assert report.n_loaded == len(notes)
    attrs = {
        r.parcel_code: r.attrs for r in _rows(clean_db, "SELECT parcel_code, attrs FROM parcels")
    }
    for k, note in enumerate(notes):
        kept = attrs[f"P{k}"]
        assert kept["OWNER"] == "นายสมชาย ใจดี"  # the rest of the feature's attrs stays
        assert kept.get("NOTE") == (None if k < len(IDS) else note)
    assert [w.split(": ", 1)[1] for w in report.warnings] == [
        "column 'NOTE' held 4 values that look like national ID numbers (13 digits with a "
        "valid check digit); they were not stored"
    ]
    assert _leaks(report.summary()) == []
    assert _leaks(_stored_text(clean_db)) == []
    assert _leaks(json.dumps(report.warnings, ensure_ascii=False)) == []


def test_id_numbers_in_a_number_field_are_left_out_and_other_numbers_stay_whole(
    clean_db: Engine, tmp_path: Path
) -> None:
    # A DBF number field wide enough for 13 digits: the ID is stored as a number.
    numbers = [int(PLAIN), int(_valid("520010098765")), int(BAD_CHECK[0]), 5, 1_234_567]
    records = [{"PCODE": f"P{k}", "REF": n, "AREA": float(n)} for k, n in enumerate(numbers)]
    report = _load_parcels(clean_db, tmp_path, records)

    attrs = {
        r.parcel_code: r.attrs for r in _rows(clean_db, "SELECT parcel_code, attrs FROM parcels")
    }
    assert [attrs[f"P{k}"]["REF"] for k in range(5)] == [None, None, numbers[2], 5, 1_234_567]
    assert [attrs[f"P{k}"]["AREA"] for k in range(5)] == [None, None, numbers[2], 5.0, 1234567.0]
    assert sorted(w.split(": ", 1)[1] for w in report.warnings) == [
        f"column '{c}' held 2 values that look like national ID numbers (13 digits with a "
        "valid check digit); they were not stored"
        for c in ("AREA", "REF")
    ]
    assert PLAIN not in _stored_text(clean_db)


# ------------------------------------------------------------ ID numbers inside longer text

EMBEDDED = {  # remark as typed -> as stored
    f"โทร 081-234-5678 บัตร {DASHED}": "โทร 081-234-5678 บัตร x-xxxx-xxxxx-xx-x",
    f"{PLAIN} 0812345678": "xxxxxxxxxxxxx 0812345678",  # a phone number after it, kept
    f"เจ้าของ {THAI} ค่ะ": "เจ้าของ x-xxxx-xxxxx-xx-x ค่ะ",
    f"ref {BAD_CHECK[0]} ok": None,  # not an ID: kept as typed
}


def test_an_id_inside_text_is_masked_and_nothing_else_is() -> None:
    from gisrev.load._personal import mask_embedded_ids, mask_text

    texts = [*EMBEDDED, None, PLAIN, "ตรวจแล้ว"]
    masked, changed = mask_embedded_ids(pa.array(texts, pa.string()))

    expected = [EMBEDDED[t] or t for t in EMBEDDED] + [None, PLAIN, "ตรวจแล้ว"]
    assert masked.to_pylist() == expected  # a whole-cell ID is left to thai_id_mask
    assert changed.tolist() == [v is not None for v in EMBEDDED.values()] + [False] * 3
    assert changed.sum() == 3
    assert [mask_text(t) for t in EMBEDDED] == list(EMBEDDED.values())
    assert all(_leaks(shown) == [] for shown in EMBEDDED.values() if shown)
    assert mask_text(f"9{PLAIN}") is None  # fourteen digits in a row: not an ID number
    assert mask_text(f"{PLAIN}{PLAIN}") is None


REMARKS = ["รหัสแปลง", "ปีภาษี", "ประเภทการใช้ประโยชน์", "หมายเหตุ"]


def _check_masked(engine: Engine, table: str, report: object, column: str) -> None:
    stored = {
        r.code: r.attrs
        for r in _rows(engine, f"SELECT parcel_code AS code, attrs FROM {table}")
    }
    for k, (typed, shown) in enumerate(EMBEDDED.items()):
        assert stored[f"P{k}"] == {column: shown or typed}
    warnings = [w.split(": ", 1)[1] for w in report.warnings]  # type: ignore[attr-defined]
    assert warnings == [
        f"column '{column}' held 3 values with a national ID number inside the text; the "
        "number was stored as x's"
    ]
    assert _leaks(_stored_text(engine)) == []
    assert _leaks(report.summary()) == []  # type: ignore[attr-defined]


@pytest.mark.parametrize("form", ["csv", "xlsx"])
def test_a_register_remark_keeps_its_text_with_the_id_masked(
    clean_db: Engine, tmp_path: Path, form: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # CSV rows take the column-wise path, XLSX rows the per-row parser.
    rows = [[f"P{k}", "2566", "other", typed] for k, typed in enumerate(EMBEDDED)]
    write = write_csv if form == "csv" else write_xlsx
    path = write(tmp_path / f"register.{form}", REMARKS, rows)
    fast: list[dict[str, int]] = []
    parse_chunk = _register_vec.parse_chunk

    def spy(*args: object, **kwargs: object) -> _register_vec.FastChunk:
        chunk = parse_chunk(*args, **kwargs)  # type: ignore[arg-type]
        fast.append(chunk.ids_masked)
        return chunk

    monkeypatch.setattr(_register_vec, "parse_chunk", spy)
    report = load_register(clean_db, path, settings=SETTINGS)

    assert report.n_loaded == len(rows)
    assert fast == ([{"หมายเหตุ": 3}] if form == "csv" else [])
    _check_masked(clean_db, "register", report, "หมายเหตุ")


def test_a_map_layer_remark_keeps_its_text_with_the_id_masked(
    clean_db: Engine, tmp_path: Path
) -> None:
    records = [{"PCODE": f"P{k}", "NOTE": typed} for k, typed in enumerate(EMBEDDED)]
    report = _load_parcels(clean_db, tmp_path, records)

    _check_masked(clean_db, "parcels", report, "NOTE")

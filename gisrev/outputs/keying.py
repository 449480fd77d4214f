"""The keying sheet: what surveyors confirmed, laid out for retyping into LTAX.

LTAX 3000 has no import interface, so officers retype corrections. The sheet
lists, for one tax year, the flagged parcels whose latest survey visit confirmed
a registration or correction, with Thai column names in the order of the land
part of the ภ.ด.ส.3 (land and building account) data-entry form as far as public
material shows it: parcel, title deed, owner, use, area in rai-ngan-wah, then
buildings. That order is our best reading of the public form, not an official
specification. Owner ID numbers are never written.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pandas as pd
import sqlalchemy as sa
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from sqlalchemy.engine import Connection, Engine

from gisrev.db.engine import transaction
from gisrev.spreadsheet import text_cells
from gisrev.vocab import CONFIRMED_OUTCOMES, OUTCOMES, USE_LABELS
from gisrev.years import be

# (column in the frame, Thai heading), in the data-entry form's order.
KEYING_COLUMNS: tuple[tuple[str, str], ...] = (
    ("order", "ลำดับที่"),
    ("parcel_code", "รหัสแปลงที่ดิน"),
    ("deed_type", "ประเภทเอกสารสิทธิ์"),
    ("deed_no", "เลขที่เอกสารสิทธิ์"),
    ("owner_name", "ชื่อผู้มีหน้าที่เสียภาษี"),
    ("use_th", "การใช้ประโยชน์"),
    ("rai", "เนื้อที่ (ไร่)"),
    ("ngan", "เนื้อที่ (งาน)"),
    ("wah", "เนื้อที่ (ตารางวา)"),
    ("buildings_count", "จำนวนสิ่งปลูกสร้าง"),
    ("floors", "จำนวนชั้น"),
    ("outcome_th", "ผลการสำรวจ"),
    ("visited_at_be", "วันที่สำรวจ"),
    ("surveyor", "ผู้สำรวจ"),
    ("reason_th", "เหตุที่ตรวจพบ"),
    ("notes", "หมายเหตุ"),
)

_OUTCOME_TH = {c.code: c.label_th for c in OUTCOMES}

# Each parcel's latest visit (the survey_latest view), when made from 1 January of the year on.
_SQL = sa.text("""
WITH owner AS (
    SELECT DISTINCT ON (m.parcel_id) m.parcel_id, r.owner_name, r.deed_no
    FROM matches AS m JOIN register AS r ON r.id = m.register_id
    WHERE m.lgu_code = :lgu AND m.tax_year = :year
    ORDER BY m.parcel_id, r.id
)
SELECT p.parcel_code, p.deed_type, COALESCE(p.deed_no, o.deed_no) AS deed_no, o.owner_name,
       COALESCE(s.found_use, f.evidence_use) AS use, ST_Area(p.geom) / 4.0 AS area_sqwah,
       s.buildings_count, s.floors, s.outcome, s.visited_at, s.surveyor, f.reason_th, s.notes
FROM findings AS f
JOIN parcels AS p ON p.id = f.parcel_id
JOIN survey_latest AS s
  ON s.lgu_code = :lgu AND s.parcel_code_norm = p.parcel_code_norm AND s.visited_at >= :since
LEFT JOIN owner AS o ON o.parcel_id = p.id
WHERE f.lgu_code = :lgu AND f.tax_year = :year AND s.outcome = ANY(:confirmed)
ORDER BY p.parcel_code
""")


def rai_ngan_wah(area_sqwah: float) -> tuple[int, int, float]:
    """Split an area in square wah into rai, ngan and square wah (to 0.01), as deeds write it.

    Examples
    --------
    >>> rai_ngan_wah(635.5)
    (1, 2, 35.5)
    >>> rai_ngan_wah(399.999)
    (1, 0, 0.0)
    """
    total = round(float(area_sqwah), 2)
    rai, rest = divmod(total, 400.0)
    ngan, wah = divmod(rest, 100.0)
    return int(rai), int(ngan), round(wah, 2)


def keying_frame(bind: Engine | Connection, *, year: int, lgu_code: str) -> pd.DataFrame:
    """Return the keying sheet's rows for one tax year.

    Parameters
    ----------
    bind
        Engine or connection of the database, with the year's findings and survey visits.
    year
        The tax year of the findings, CE. Visits from 1 January of that year on count;
        each parcel's latest one decides.
    lgu_code
        The municipality.

    Returns
    -------
    pandas.DataFrame
        The columns of :data:`KEYING_COLUMNS` (English names; Thai headings are written
        by :func:`write_keying_sheet`), one row per confirmed parcel, by parcel code.
    """
    params = {"lgu": lgu_code, "year": year, "since": dt.date(year, 1, 1),
              "confirmed": list(CONFIRMED_OUTCOMES)}
    with transaction(bind) as conn:
        rows = conn.execute(_SQL, params).mappings().all()
    records = []
    for i, r in enumerate(rows, start=1):
        rai, ngan, wah = rai_ngan_wah(r["area_sqwah"])
        visited: dt.date = r["visited_at"]
        records.append({
            "order": i, "parcel_code": r["parcel_code"], "deed_type": r["deed_type"],
            "deed_no": r["deed_no"], "owner_name": r["owner_name"],
            "use_th": USE_LABELS.get(r["use"], (r["use"],))[0], "rai": rai, "ngan": ngan,
            "wah": wah, "buildings_count": r["buildings_count"], "floors": r["floors"],
            "outcome_th": _OUTCOME_TH[r["outcome"]],
            "visited_at_be": f"{visited.day}/{visited.month}/{be(visited.year)}",
            "surveyor": r["surveyor"], "reason_th": r["reason_th"], "notes": r["notes"],
        })
    return pd.DataFrame(records, columns=[c for c, _ in KEYING_COLUMNS])


def write_keying_sheet(
    bind: Engine | Connection,
    path: str | os.PathLike[str],
    /,
    *,
    year: int,
    lgu_code: str,
) -> int:
    """Write the keying sheet (XLSX) for one tax year and return the number of parcels.

    Text cells are written as strings, never formulas, so register or survey text
    that starts with ``=`` cannot run in the officer's spreadsheet.

    Parameters
    ----------
    bind
        Engine or connection of the database.
    path
        The ``.xlsx`` to write.
    year
        The tax year of the findings, CE.
    lgu_code
        The municipality.
    """
    frame = keying_frame(bind, year=year, lgu_code=lgu_code)
    year_be = be(year)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(f"บันทึก LTAX ปีภาษี {year_be}"[:31])
    ws.freeze_panes = "C2"
    bold = Font(bold=True)
    header = []
    for _, heading in KEYING_COLUMNS:
        cell = WriteOnlyCell(ws, value=heading)
        cell.font = bold
        header.append(cell)
    ws.append(header)
    for row in frame.itertuples(index=False, name=None):
        ws.append(text_cells(ws, (None if isinstance(v, float) and pd.isna(v) else v for v in row)))
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return len(frame)

"""What the sample town's surveyors found, and the revenue the next year's register recovered."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from gisrev.sample import _names
from gisrev.sample._plants import Plan
from gisrev.years import be

_NOTES = {
    "registered": "พบเจ้าของ แจ้งขึ้นทะเบียนแล้ว",
    "corrected": "แก้ไขข้อมูลการใช้ประโยชน์/เนื้อที่/สิ่งปลูกสร้างแล้ว",
    "no change": "ข้อมูลตรงตามแผนที่ เจ้าของยังไม่มาติดต่อ",
    "refused": "เจ้าของไม่ให้ความร่วมมือ",
    "not found": "ไม่พบแปลงตามพิกัด ต้องตรวจสอบแผนที่",
}


def _fixed_and_unregistered(plan: Plan, first: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Per parcel: put right in the next register, and unregistered in the first year."""
    flagged = (first["flags"] != "").to_numpy()
    # Paying arrears late is not a register change: only registered or corrected parcels count.
    fixed = plan.fixed & flagged & (first["flags"] != "ARREARS").to_numpy()
    return fixed, first["flags"].str.contains("UNREGISTERED").to_numpy()


def survey_visits(parcels: pd.DataFrame, buildings: pd.DataFrame, plan: Plan,
                  truth: pd.DataFrame, rng: np.random.Generator, *, year: int) -> pd.DataFrame:
    """Make what surveyors found in ``year`` on the parcels its ground truth flags.

    Every parcel put right later was visited, and about half of the other flagged ones.
    """
    first = truth.iloc[: len(parcels)]
    fixed, was_unreg = _fixed_and_unregistered(plan, first)
    flagged = (first["flags"] != "").to_numpy()
    visited = flagged & (fixed | (rng.random(len(parcels)) < 0.5))
    idx = np.flatnonzero(visited)
    other = rng.choice(["no change", "refused", "not found"], size=len(idx), p=[0.6, 0.2, 0.2])
    outcome = np.where(fixed[idx], np.where(was_unreg[idx], "registered", "corrected"), other)
    seen = outcome != "not found"
    floors = buildings.groupby("parcel")["floors"].max().reindex(idx)
    n_b = buildings.groupby("parcel").size().reindex(idx, fill_value=0).to_numpy()
    day0 = dt.date(year, 7, 1).toordinal()
    survey = pd.DataFrame(
        {
            "parcel_code": parcels["parcel_code"].to_numpy()[idx],
            "visited_at": [dt.date.fromordinal(int(d)).isoformat()
                           for d in day0 + rng.integers(0, 160, len(idx))],
            "surveyor": np.array(_names.SURVEYORS, dtype=object)[
                rng.integers(0, len(_names.SURVEYORS), len(idx))],
            "found_use": np.where(seen, first["evidence_use"].to_numpy()[idx], ""),
            "buildings_count": np.where(seen, n_b.astype(str), ""),
            "floors": np.where(seen & (n_b > 0), floors.fillna(0).astype(int).astype(str), ""),
            "notes": [_NOTES[o] for o in outcome],
            "photo": np.where(seen, [f"IMG_{i + 1:05d}.jpg" for i in range(len(idx))], ""),
            "outcome": outcome,
        }
    )
    return survey.sort_values(["visited_at", "parcel_code"], kind="stable").reset_index(drop=True)


def recovered_revenue(parcels: pd.DataFrame, plan: Plan, truth: dict[int, pd.DataFrame], *,
                      years: tuple[int, int]) -> pd.DataFrame:
    """Return the parcels flagged in the first year and put right in the second, with the gain.

    ``recovered_baht`` is the second year's assessment less the first's (0 when unregistered).
    Columns name the years in BE, as the municipality's files do.
    """
    first = truth[years[0]].iloc[: len(parcels)]
    second = truth[years[1]].iloc[: len(parcels)]
    fixed, was_unreg = _fixed_and_unregistered(plan, first)
    y0, y1 = be(years[0]), be(years[1])
    rec = np.flatnonzero(fixed)
    before = first.iloc[rec]
    after = second.iloc[rec]
    assessed0 = before["tax_assessed"].fillna(0.0).to_numpy()
    assessed1 = after["tax_assessed"].fillna(0.0).to_numpy()
    return pd.DataFrame(
        {
            "parcel_code": before["parcel_code"].to_numpy(),
            f"flags_{y0}": before["flags"].to_numpy(),
            "outcome": np.where(was_unreg[rec], "registered", "corrected"),
            f"tax_assessed_{y0}": np.round(assessed0, 2),
            f"tax_assessed_{y1}": np.round(assessed1, 2),
            f"tax_paid_{y1}": after["tax_paid"].to_numpy(),
            "recovered_baht": np.round(np.maximum(assessed1 - assessed0, 0.0), 2),
        }
    )

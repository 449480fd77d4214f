"""Revenue recovered: what the survey work brought in, year on year.

A parcel flagged in tax year Y counts as recovered when, by year Y + 1, the
register was put right:

* ``registered`` — it was ``UNREGISTERED`` in Y and has a register account in
  Y + 1;
* ``corrected`` — it was registered in Y and none of its Y finding codes (other
  than ``ARREARS``) is raised again in Y + 1.

Paying arrears late is not a register change, so a parcel flagged only for
``ARREARS`` never counts. The revenue recovered is the rise in assessed tax,
Y + 1 over Y (zero for an unregistered parcel in Y), and never below zero: a
correction that lowers the tax (a declared area that was too large) recovers
nothing. For parcels with several accounts, the first account's tax counts,
as in the analysis. Y + 1's register rows are matched to parcels by the
analysis of Y + 1 (the ``matches`` table), so one set of matching rules decides
both years. Orphan register records (no parcel) cannot be followed and are
left out.
"""

from __future__ import annotations

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from gisrev.db.engine import transaction
from gisrev.db.runs import require_analysed

RECOVERY_COLUMNS: tuple[str, ...] = (
    "parcel_code", "flags", "how", "tax_assessed_before", "tax_assessed_after", "recovered",
    "gap_before", "visited_at", "outcome",
)

_SQL = sa.text("""
WITH flagged AS (
    SELECT f.parcel_id, f.parcel_code, f.flags, f.gap,
           'UNREGISTERED' = ANY(f.flags) AS was_unregistered,
           COALESCE(f.tax_assessed, 0) AS tax_assessed_before
    FROM findings AS f
    WHERE f.lgu_code = :lgu AND f.tax_year = :year AND f.parcel_id IS NOT NULL
      AND f.flags <> ARRAY['ARREARS']
), after AS (
    -- the first account matched to the parcel in Y + 1 (lowest register id, as the analysis)
    SELECT DISTINCT ON (m.parcel_id) m.parcel_id, COALESCE(r.tax_assessed, 0) AS tax_assessed
    FROM matches AS m
    JOIN register AS r ON r.id = m.register_id
    WHERE m.lgu_code = :lgu AND m.tax_year = :next_year
    ORDER BY m.parcel_id, r.id
), still AS (
    SELECT parcel_id, flags FROM findings
    WHERE lgu_code = :lgu AND tax_year = :next_year AND parcel_id IS NOT NULL
)
SELECT fl.parcel_code,
       array_to_string(fl.flags, ';') AS flags,
       CASE WHEN fl.was_unregistered THEN 'registered' ELSE 'corrected' END AS how,
       fl.tax_assessed_before,
       a.tax_assessed AS tax_assessed_after,
       round(GREATEST(a.tax_assessed - fl.tax_assessed_before, 0)::numeric, 2)::float8
           AS recovered,
       fl.gap AS gap_before,
       s.visited_at,
       s.outcome
FROM flagged AS fl
JOIN after AS a ON a.parcel_id = fl.parcel_id
JOIN parcels AS p ON p.id = fl.parcel_id
LEFT JOIN still AS n ON n.parcel_id = fl.parcel_id
LEFT JOIN survey_latest AS s
       ON s.lgu_code = :lgu AND s.parcel_code_norm = p.parcel_code_norm
WHERE fl.was_unregistered
   OR NOT (COALESCE(n.flags, ARRAY[]::text[]) && array_remove(fl.flags, 'ARREARS'))
ORDER BY recovered DESC, fl.parcel_code
""")


def revenue_recovered(bind: Engine | Connection, year: int, *, lgu_code: str) -> pd.DataFrame:
    """Return the parcels flagged in ``year`` whose register was put right by ``year + 1``.

    Parameters
    ----------
    bind
        Engine or connection of the database, with findings for ``year`` and an analysis
        of ``year + 1``.
    year
        The tax year the parcels were flagged in, CE.
    lgu_code
        The municipality.

    Returns
    -------
    pandas.DataFrame
        One row per registered or corrected parcel, largest recovery first, with the
        columns of :data:`RECOVERY_COLUMNS`: ``how`` is ``registered`` or ``corrected``;
        tax in baht before (year) and after (year + 1); ``recovered`` is the rise (>= 0);
        ``visited_at`` and ``outcome`` are the parcel's latest survey visit, if any.
        ``frame.attrs["total"]`` holds the total recovered in baht.

    Raises
    ------
    InputError
        When ``year`` or ``year + 1`` has not been analysed yet.
    """
    params = {"lgu": lgu_code, "year": year, "next_year": year + 1}
    with transaction(bind) as conn:
        require_analysed(conn, lgu_code=lgu_code, years=[year, year + 1])
        rows = conn.execute(_SQL, params).all()
    frame = pd.DataFrame([tuple(r) for r in rows], columns=list(RECOVERY_COLUMNS))
    frame = frame.astype({"tax_assessed_before": "float64", "tax_assessed_after": "float64",
                          "recovered": "float64", "gap_before": "float64"})
    frame.attrs["total"] = recovered_total(frame)
    return frame


def recovered_total(frame: pd.DataFrame) -> float:
    """Return the baht recovered in a :func:`revenue_recovered` frame, rounded to 0.01.

    Examples
    --------
    >>> recovered_total(pd.DataFrame({"recovered": [1200.5, 300.25]}))
    1500.75
    """
    return round(float(frame["recovered"].sum()), 2) if len(frame) else 0.0

"""Field work and desk work: which findings send a surveyor out, and which the office settles.

DESIGN.md, "Field work and desk work": a work package holds what needs a visit,
UNREGISTERED and UNDECLARED_BUILDING always, other findings when their gap is at least
the municipality's ``field_min_gap`` baht. ARREARS, DUPLICATE_RECORD and ORPHAN_RECORD are
settled from papers and go to the desk list, and so does any other finding whose gap is
too small for a visit. A parcel flagged for both (UNDERPAID 5,000 baht and ARREARS) is a
field stop and is on the desk list for its desk code.

A parcel a survey resolved is not sent out again while the register catches up: when its
latest visit (``survey_latest``) was ``registered`` or ``corrected``, made on or after the
day the previous tax year was first analysed, and this year's analysis flags it only for
codes the previous year's findings already had, it is left off the work packages and listed
on the desk list as resolved by survey, awaiting the register. Flagged for a code it did not
have before, it is a field stop again.

The survey maps (:mod:`gisrev.outputs.maps`) and the survey forms (:mod:`gisrev.survey`)
both read the field list from here, so a form lists exactly what the packages hold.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from gisrev.db.municipalities import municipality
from gisrev.vocab import CONFIRMED_OUTCOMES, DESK_CODES, FIELD_CODES

__all__ = ["Work", "classify", "read_work"]


@dataclasses.dataclass(frozen=True)
class Work:
    """Where one finding goes.

    Attributes
    ----------
    field
        A stop in a work package: a surveyor visits it.
    desk
        Why it is on the desk list, in order: its desk codes, then ``"SMALL_GAP"`` (a gap
        below the field minimum) or ``"RESOLVED"`` (resolved by survey, awaiting the
        register); the keys of :data:`gisrev.vocab.DESK_ACTIONS`. Empty: not on the desk list.
    """

    field: bool
    desk: tuple[str, ...] = ()


def classify(
    flags: Sequence[str], gap: float | None, *, field_min_gap: float, resolved: bool = False
) -> Work:
    """Return where a finding goes: a field stop, the desk list, or both.

    Parameters
    ----------
    flags
        The finding's codes.
    gap
        Its revenue gap in baht; None (unknown) never reaches the field minimum. It is
        compared as shown, to the satang.
    field_min_gap
        The municipality's least gap worth a visit, baht.
    resolved
        A survey resolved the parcel and this year flags it only for codes it had last year.

    Examples
    --------
    >>> classify(["UNDERPAID", "ARREARS"], 5000.0, field_min_gap=200)
    Work(field=True, desk=('ARREARS',))
    >>> classify(["UNDERPAID"], 199.99, field_min_gap=200)
    Work(field=False, desk=('SMALL_GAP',))
    >>> classify(["UNREGISTERED"], 0.0, field_min_gap=200)
    Work(field=True, desk=())
    >>> classify(["ARREARS"], 9000.0, field_min_gap=200)
    Work(field=False, desk=('ARREARS',))
    >>> classify(["UNREGISTERED"], 9000.0, field_min_gap=200, resolved=True)
    Work(field=False, desk=('RESOLVED',))
    """
    desk = [c for c in flags if c in DESK_CODES]
    visits = [c for c in flags if c not in DESK_CODES]
    if not visits:
        return Work(field=False, desk=tuple(desk))
    if resolved:
        return Work(field=False, desk=(*desk, "RESOLVED"))
    known = gap is not None and not math.isnan(gap)
    worth = known and round(float(gap), 2) >= field_min_gap  # type: ignore[arg-type]
    if any(c in FIELD_CODES for c in visits) or worth:
        return Work(field=True, desk=tuple(desk))
    return Work(field=False, desk=(*desk, "SMALL_GAP"))


# Each finding of the year with whether a survey resolved its parcel (see the module's
# docstring). The previous year's codes are matched by parcel code: a reloaded map gives
# its parcels new ids.
_WORK_SQL = """
WITH prev AS (
    SELECT f.parcel_code, array_agg(DISTINCT c) AS flags
    FROM findings AS f CROSS JOIN LATERAL unnest(f.flags) AS c
    WHERE f.lgu_code = :lgu AND f.tax_year = :prev AND f.parcel_id IS NOT NULL
    GROUP BY f.parcel_code
), since AS (
    SELECT CAST(min(started_at) AS date) AS day
    FROM analysis_runs WHERE lgu_code = :lgu AND tax_year = :prev
)
SELECT f.id, f.flags, f.gap,
       coalesce(s.outcome = ANY (:outcomes) AND s.visited_at >= since.day
                AND f.flags <@ prev.flags, false) AS resolved
FROM findings AS f
CROSS JOIN since
LEFT JOIN parcels AS p ON p.id = f.parcel_id
LEFT JOIN survey_latest AS s
       ON s.lgu_code = f.lgu_code AND s.parcel_code_norm = p.parcel_code_norm
LEFT JOIN prev ON prev.parcel_code = f.parcel_code
WHERE f.lgu_code = :lgu AND f.tax_year = :year
"""


def read_work(conn: Connection, *, lgu_code: str, year: int) -> dict[int, Work]:
    """Return where each of the year's findings goes, by finding id.

    Parameters
    ----------
    conn
        A connection to the gisrev database.
    lgu_code
        The municipality; its ``field_min_gap`` comes from the ``municipalities`` table
        (200 baht where nothing was recorded).
    year
        Tax year, CE.

    Returns
    -------
    dict
        Finding id -> :class:`Work`, for every finding of the year (orphan records too).
    """
    min_gap = municipality(conn, lgu_code).field_min_gap
    rows = conn.execute(sa.text(_WORK_SQL), {
        "lgu": lgu_code, "year": year, "prev": year - 1, "outcomes": list(CONFIRMED_OUTCOMES),
    })
    return {
        int(r.id): classify(r.flags, r.gap, field_min_gap=min_gap, resolved=bool(r.resolved))
        for r in rows
    }

"""Run the analysis of one tax year: SQL steps in PostGIS, the tax engine on streamed batches.

A run is one transaction under an advisory lock, in named stages: start the run (lock,
``analysis_runs`` row, session settings, helper functions), the SQL step files in name
order with the Python steps between them (building values, residential sub-cases, taxes),
then the totals recorded on the run. Each stage's seconds are reported as it finishes.
"""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Callable, Iterator
from importlib import resources
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from gisrev.analyze._python_steps import (
    Unpriced,
    compute_taxes,
    estimate_building_values,
    fit_subcases,
)
from gisrev.analyze._report import AnalysisReport
from gisrev.config import Settings
from gisrev.db.copy import psycopg_connection
from gisrev.db.engine import transaction
from gisrev.db.schema import Tables, open_tables
from gisrev.errors import TaxRuleError
from gisrev.vocab import FINDING_CODES, label_rows
from gisrev.years import be, to_ce_year

_MATCH_METHODS = ("exact", "normalised", "deed")


def _sql_file(name: str) -> str:
    return (resources.files("gisrev.analyze") / "sql" / name).read_text(encoding="utf-8")


def _statements(name: str) -> Iterator[str]:
    """Yield the statements of one step file (each ends with a semicolon at a line end)."""
    buf: list[str] = []
    for line in _sql_file(name).splitlines():
        if not buf and (not line.strip() or line.lstrip().startswith("--")):
            continue
        buf.append(line)
        if line.rstrip().endswith(";"):
            yield "\n".join(buf)
            buf = []
    if any(s.strip() for s in buf):
        yield "\n".join(buf)


def _run_step(conn: Connection, name: str, params: dict[str, Any]) -> None:
    for stmt in _statements(name):
        # Bind only the parameters the statement names.
        wanted = {k: v for k, v in params.items() if f":{k}" in stmt}
        conn.execute(sa.text(stmt), wanted)


def _tune_session(conn: Connection) -> None:
    """Set the planner and memory settings the analysis steps were measured with."""
    # Every step reads and writes temporary tables of a row per parcel; with the default 8 MB
    # of temp_buffers they spill to disk between steps (measured at 1M parcels: scope 9.4 s ->
    # 3.5 s, match 7.7 s -> 3.6 s with 1 GB). Buffers are allocated as used, and only before
    # the session's first temporary table can the size change: a pooled connection that already
    # used one keeps its size (the savepoint swallows that refusal).
    try:
        with conn.begin_nested():
            conn.execute(sa.text("SET temp_buffers = '1GB'"))
    except sa.exc.DBAPIError:
        pass
    # PostGIS functions carry high cost estimates, so the planner JIT-compiles every step;
    # compiling costs more than it saves here (measured: 0.17 s of a 0.55 s join at 20k).
    conn.execute(sa.text("SET LOCAL jit = off"))
    # DISTINCT ON and the joins sort or hash a row per parcel: keep them in memory.
    conn.execute(sa.text("SET LOCAL work_mem = '256MB'"))
    # Primary keys and the point index on the temporary tables are built in memory too.
    conn.execute(sa.text("SET LOCAL maintenance_work_mem = '512MB'"))


def _check_year(year: int, regime_name: str) -> None:
    from gisrev.tax import get_regime

    regime = get_regime(regime_name)
    if year not in regime.supported_years:
        years = ", ".join(f"{be(y)} ({y})" for y in regime.supported_years)
        msg = (
            f"tax year {be(year)} ({year}) has no tax rules "
            f"in the {regime_name!r} regime; "
            f"expected one of {years}"
        )
        raise TaxRuleError(msg)


def _params(year: int, settings: Settings) -> dict[str, Any]:
    """Return the values the SQL steps bind (``run_id`` is added once the run is recorded)."""
    th = settings.thresholds
    return {
        "lgu": settings.require_lgu_code(),
        "year": year,
        "year_be": str(be(year)),
        "underpaid_min_baht": th.underpaid_min_baht,
        "underpaid_min_share": th.underpaid_min_share,
        "arrears_min_baht": th.arrears_min_baht,
        "arrears_min_share": th.arrears_min_share,
        "area_tolerance": th.area_tolerance,
        "building_min_share": th.building_min_share,
        "weights": json.dumps(dict(settings.priority_weights)),
    }


@dataclasses.dataclass
class _Stages:
    """Seconds per stage, in the order they ran, each passed to ``progress`` as it finishes."""

    progress: Callable[[str, float], None] | None
    seconds: dict[str, float] = dataclasses.field(default_factory=dict)
    _since: float = dataclasses.field(default_factory=time.perf_counter)

    def start(self) -> None:
        """Start timing the first stage."""
        self._since = time.perf_counter()

    def done(self, name: str) -> None:
        """Record the stage that just finished; the next one starts now."""
        now = time.perf_counter()
        self.seconds[name] = round(now - self._since, 3)
        if self.progress is not None:
            self.progress(name, self.seconds[name])
        self._since = now


def _start_run(conn: Connection, t: Tables, *, year: int, settings: Settings) -> int:
    """Take the run's lock, record it in ``analysis_runs`` and prepare the session.

    Returns the run's id.
    """
    # One run per municipality and year at a time; the lock ends with the transaction.
    conn.execute(
        sa.text(
            "SELECT pg_advisory_xact_lock(hashtext('gisrev.analyze'), "
            "hashtext(:lgu || '/' || CAST(:year AS text)))"
        ),
        {"lgu": settings.lgu_code, "year": year},
    )
    settings_doc = {
        "regime": settings.regime,
        "working_srid": t.srid,
        "thresholds": dataclasses.asdict(settings.thresholds),
        "priority_weights": dict(settings.priority_weights),
    }
    run_id = conn.execute(
        t.analysis_runs.insert()
        .values(lgu_code=settings.lgu_code, tax_year=year, settings=settings_doc)
        .returning(t.analysis_runs.c.id)
    ).scalar_one()
    _tune_session(conn)
    psycopg_connection(conn).execute(_sql_file("05_functions.sql").encode())
    conn.execute(
        sa.text("INSERT INTO pg_temp.gisrev_labels (kind, code, th, en)"
                " VALUES (:kind, :code, :th, :en)"),
        label_rows(),
    )
    return int(run_id)


def _replace_year(conn: Connection, t: Tables, params: dict[str, Any]) -> None:
    """Delete the year's findings, matches and evidence, and store this run's matches."""
    for table in (t.findings, t.matches, t.parcel_evidence):
        conn.execute(
            table.delete().where(table.c.lgu_code == params["lgu"],
                                 table.c.tax_year == params["year"])
        )
    conn.execute(
        sa.text(
            "INSERT INTO matches (lgu_code, tax_year, register_id, parcel_id, method, "
            "confidence, analysis_run_id) "
            "SELECT :lgu, :year, register_id, parcel_id, method, confidence, :run_id "
            "FROM _match"
        ),
        params,
    )


def _run_steps(
    conn: Connection, t: Tables, params: dict[str, Any], *, regime: str, stages: _Stages
) -> Unpriced:
    """Run the SQL steps and the Python steps between them, timing each stage.

    Returns the buildings the tax tables could not price.
    """
    year = params["year"]
    stages.start()
    _run_step(conn, "10_scope.sql", params)
    stages.done("scope")
    _run_step(conn, "20_match.sql", params)
    stages.done("match")
    _run_step(conn, "30_buildings.sql", params)
    stages.done("buildings")
    unpriced = estimate_building_values(conn, year)
    stages.done("building_values")
    _run_step(conn, "40_zones.sql", params)
    stages.done("zones")
    _run_step(conn, "45_survey.sql", params)
    _run_step(conn, "50_evidence.sql", params)
    stages.done("evidence")
    # Residential sub-cases the register does not name, read off its own assessment.
    _run_step(conn, "55_subcase_input.sql", params)
    if fit_subcases(conn, year, regime):
        _run_step(conn, "57_subcase.sql", params)
    stages.done("subcase")
    _run_step(conn, "60_tax_input.sql", params)
    compute_taxes(conn, year, regime)
    stages.done("tax")
    _replace_year(conn, t, params)
    _run_step(conn, "70_findings.sql", params)
    stages.done("findings")
    _run_step(conn, "80_parcel_evidence.sql", params)
    # Readers join findings to parcel_evidence right after an analysis; without statistics
    # on the rows just written the planner loops (85 s at 30k parcels, bench/explore.py).
    conn.execute(sa.text("ANALYZE findings, parcel_evidence"))
    stages.done("parcel_evidence")
    return unpriced


@dataclasses.dataclass(frozen=True)
class _Totals:
    """What the run wrote, counted in the database before the transaction ends."""

    n_parcels: int
    n_register: int
    n_findings: int
    total_gap: float
    n_unvalued: int  # buildings with no value, and no type code or structure to estimate one
    counts: dict[str, int]  # findings per code, every code present
    matched: dict[str, int]  # register rows matched, per method


def _count_totals(conn: Connection, params: dict[str, Any]) -> _Totals:
    totals = conn.execute(
        sa.text(
            "SELECT (SELECT count(*) FROM _par), (SELECT count(*) FROM _reg), "
            "(SELECT count(*) FROM findings WHERE lgu_code = :lgu AND tax_year = :year), "
            "(SELECT COALESCE(sum(gap), 0) FROM findings "
            "WHERE lgu_code = :lgu AND tax_year = :year), "
            "(SELECT count(*) FROM _bld WHERE value IS NULL "
            "AND (building_type IS NULL OR structure IS NULL))"
        ),
        params,
    ).one()
    by_code: dict[str, int] = dict(
        conn.execute(
            sa.text(
                "SELECT code, count(*) FROM findings, unnest(flags) AS code "
                "WHERE lgu_code = :lgu AND tax_year = :year GROUP BY code"
            ),
            params,
        ).all()
    )
    by_method: dict[str, int] = dict(
        conn.execute(sa.text("SELECT method, count(*) FROM _match GROUP BY method")).all()
    )
    return _Totals(
        n_parcels=int(totals[0]),
        n_register=int(totals[1]),
        n_findings=int(totals[2]),
        total_gap=float(totals[3]),
        n_unvalued=int(totals[4]),
        counts={code: int(by_code.get(code, 0)) for code in FINDING_CODES},
        matched={m: int(by_method.get(m, 0)) for m in _MATCH_METHODS},
    )


def _record_totals(conn: Connection, t: Tables, run_id: int, totals: _Totals, *,
                   stages: dict[str, float], duration: float) -> None:
    conn.execute(
        t.analysis_runs.update()
        .where(t.analysis_runs.c.id == run_id)
        .values(
            duration_s=duration,
            counts={
                **totals.counts,
                "parcels": totals.n_parcels,
                "register_rows": totals.n_register,
                "findings": totals.n_findings,
                "matched": totals.matched,
                "stage_seconds": stages,
            },
        )
    )


def _buildings_have(n: int) -> str:
    return "1 building has" if n == 1 else f"{n:,} buildings have"


def _warnings(unpriced: Unpriced, n_unvalued: int) -> tuple[str, ...]:
    """Say which buildings were valued at 0 baht, and what to add so they are not."""
    warnings: list[str] = []
    if unpriced.count:
        warnings.append(
            f"{_buildings_have(unpriced.count)} a type code without a price in the tax tables, "
            f"valued at 0 baht (e.g. {'; '.join(unpriced.examples)}); add their value to the "
            "buildings layer or correct building_type"
        )
    if n_unvalued:
        warnings.append(
            f"{_buildings_have(n_unvalued)} no value, type code or structure, valued at 0 baht; "
            "add value, or building_type and structure, to the buildings layer"
        )
    return tuple(warnings)


def run_analysis(
    engine: Engine | Connection,
    *,
    year: int,
    settings: Settings,
    progress: Callable[[str, float], None] | None = None,
) -> AnalysisReport:
    """Analyse one tax year of one municipality and replace that year's findings.

    Matches the register to the parcels, places buildings and parcels, derives the
    evidence, computes the expected tax with the settings' tax regime and writes one
    finding per flagged parcel and per orphan register row, and every parcel's tax input
    and expected tax to ``parcel_evidence`` (what-if re-taxes from it). Everything happens
    in one transaction, so a failed run leaves the previous findings and evidence in place;
    runs of the same year and municipality wait for each other.

    Parameters
    ----------
    engine
        Engine or connection of an initialised gisrev database.
    year
        Tax year, CE or BE (a year above 2400 is Buddhist Era: 2566 → 2023).
    settings
        ``lgu_code``, ``regime``, ``thresholds`` and ``priority_weights`` are used.
    progress
        Called with each stage's name and its seconds as it finishes.

    Returns
    -------
    AnalysisReport
        Counts per finding code, the revenue gap and seconds per stage.
    """
    year = to_ce_year(year)
    _check_year(year, settings.regime)
    t = open_tables(engine)
    params = _params(year, settings)
    stages = _Stages(progress)
    started = time.perf_counter()
    with transaction(engine) as conn:
        params["run_id"] = run_id = _start_run(conn, t, year=year, settings=settings)
        unpriced = _run_steps(conn, t, params, regime=settings.regime, stages=stages)
        totals = _count_totals(conn, params)
        duration = round(time.perf_counter() - started, 3)
        _record_totals(conn, t, run_id, totals, stages=stages.seconds, duration=duration)
    return AnalysisReport(
        run_id=run_id,
        tax_year=year,
        lgu_code=settings.require_lgu_code(),
        n_parcels=totals.n_parcels,
        n_register=totals.n_register,
        matched=totals.matched,
        counts=totals.counts,
        n_findings=totals.n_findings,
        total_gap=totals.total_gap,
        duration_s=duration,
        stages=stages.seconds,
        warnings=_warnings(unpriced, totals.n_unvalued),
    )

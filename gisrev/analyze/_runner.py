"""Run the analysis of one tax year: SQL steps in PostGIS, the tax engine on streamed batches."""

from __future__ import annotations

import dataclasses
import io
import json
import tempfile
import time
from collections.abc import Callable, Iterator
from importlib import resources
from typing import Any, LiteralString

import pandas as pd
import sqlalchemy as sa
from psycopg import sql as pgsql
from sqlalchemy.engine import Connection, Engine

from gisrev.config import Settings
from gisrev.db.copy import psycopg_connection
from gisrev.db.engine import transaction
from gisrev.db.schema import open_tables
from gisrev.errors import TaxRuleError
from gisrev.vocab import FINDING_CODES, label_rows
from gisrev.years import be, to_ce_year

BATCH_ROWS = 100_000


@dataclasses.dataclass(frozen=True)
class AnalysisReport:
    """What one analysis run found.

    Attributes
    ----------
    run_id
        The ``analysis_runs`` row of this run.
    tax_year
        CE tax year analysed.
    lgu_code
        The municipality analysed.
    n_parcels, n_register
        Parcels on the map and register rows for the year.
    matched
        Register rows matched to a parcel, by method (``exact``, ``normalised``, ``deed``).
    counts
        Findings per finding code (every code present, zeros included).
    n_findings
        Finding rows written (flagged parcels plus orphan register rows).
    total_gap
        Sum of the findings' gaps, in baht.
    duration_s
        Wall time of the run.
    stages
        Seconds per stage, in the order they ran.
    warnings
        What the run could not use and how to fix it (e.g. buildings valued at 0 baht for
        want of a value or a priced type code).
    """

    run_id: int
    tax_year: int
    lgu_code: str
    n_parcels: int
    n_register: int
    matched: dict[str, int]
    counts: dict[str, int]
    n_findings: int
    total_gap: float
    duration_s: float
    stages: dict[str, float]
    warnings: tuple[str, ...] = ()

    def summary(self) -> str:
        """Return a few lines for a terminal: findings per code and the revenue gap."""
        lines = [
            f"tax year {be(self.tax_year)} ({self.tax_year}), lgu {self.lgu_code}: "
            f"{self.n_parcels:,} parcels, {self.n_register:,} register rows, "
            f"{sum(self.matched.values()):,} matched "
            f"({', '.join(f'{k} {v:,}' for k, v in self.matched.items())})",
            f"{self.n_findings:,} findings, revenue gap {self.total_gap:,.2f} baht "
            f"({self.duration_s:.1f} s)",
        ]
        lines += [f"  {code:<20} {n:>8,}" for code, n in self.counts.items() if n]
        lines += [f"warning: {w}" for w in self.warnings]
        return "\n".join(lines)


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


def _stream(
    conn: Connection,
    query: LiteralString,
    columns: dict[str, str],
    *,
    params: dict[str, Any] | None = None,
    batch_rows: int = BATCH_ROWS,
) -> Iterator[pd.DataFrame]:
    """Yield a query's rows as DataFrames of at most ``batch_rows``, columns of the given dtypes.

    The rows leave PostgreSQL by COPY as CSV, spooled (to disk past 256 MB) and parsed by
    pandas in C (844k building rows: 1.5 s, against 2.3 s fetched as Python tuples).
    The whole result is read before the first batch is yielded, so the caller may use the
    connection between batches.
    """
    statement = pgsql.SQL("COPY ({}) TO STDOUT (FORMAT csv, NULL '\\N')").format(pgsql.SQL(query))
    with tempfile.SpooledTemporaryFile(max_size=256 << 20) as spool:
        with psycopg_connection(conn).cursor() as cur, cur.copy(statement, params) as copy:
            for block in copy:
                spool.write(block)
        spool.seek(0)
        yield from pd.read_csv(
            spool,
            names=list(columns),
            dtype=columns,
            na_values=["\\N"],
            keep_default_na=False,
            chunksize=batch_rows,
        )


def _copy_in(conn: Connection, table: str, frame: pd.DataFrame) -> None:
    """COPY a frame into a (temporary) table, columns by name."""
    buf = io.StringIO()
    frame.to_csv(buf, sep="\t", header=False, index=False, na_rep="\\N")
    statement = pgsql.SQL("COPY {} ({}) FROM STDIN").format(
        pgsql.Identifier(table), pgsql.SQL(", ").join(pgsql.Identifier(c) for c in frame.columns)
    )
    with psycopg_connection(conn).cursor() as cur, cur.copy(statement) as copy:
        copy.write(buf.getvalue())


def _estimate_building_values(conn: Connection, year: int) -> tuple[int, list[str]]:
    """Estimate the buildings without an appraised value into ``_bval`` (building_id, value).

    Only buildings with a type code and a structure are estimated. A type code without a price
    in the tax tables leaves its building unvalued (0 baht) instead of stopping the run.
    Returns how many buildings could not be priced and a few of them, as ``building_code (id
    N): type 'T'`` (building id order).
    """
    from gisrev.tax.buildings import building_values

    conn.execute(
        sa.text(
            "CREATE TEMP TABLE _bval (building_id bigint NOT NULL, value float8) ON COMMIT DROP"
        )
    )
    query = (
        "SELECT building_id, building_code, floor_area_m2, building_type, structure, "
        "GREATEST(%(year)s - year_built, 0) FROM _bld "
        "WHERE value IS NULL AND building_type IS NOT NULL AND structure IS NOT NULL"
    )
    cols = {
        "building_id": "int64",
        "building_code": "str",
        "floor_area_m2": "float64",
        "building_type": "str",
        "structure": "str",
        "age_years": "float64",
    }
    unpriced: list[pd.DataFrame] = []
    for batch in _stream(conn, query, cols, params={"year": year}):
        batch["age_years"] = batch["age_years"].fillna(0).astype(int)
        values = building_values(
            batch[["floor_area_m2", "building_type", "structure", "age_years"]], errors="coerce"
        )
        priced = values.notna()
        _copy_in(
            conn,
            "_bval",
            pd.DataFrame({"building_id": batch["building_id"][priced], "value": values[priced]}),
        )
        unpriced.append(batch.loc[~priced, ["building_id", "building_code", "building_type"]])
    conn.execute(sa.text("ANALYZE _bval"))
    bad = pd.concat(unpriced) if unpriced else pd.DataFrame()
    if bad.empty:
        return 0, []
    bad = bad.sort_values("building_id").head(3)
    examples = [
        f"{code} (id {bid}): type {btype!r}"
        if isinstance(code, str)
        else f"id {bid}: type {btype!r}"
        for bid, code, btype in bad.itertuples(index=False)
    ]
    return int(sum(len(b) for b in unpriced)), examples


def _compute_taxes(conn: Connection, year: int, regime_name: str) -> int:
    """Tax every ``_taxin`` row with the regime in batches and COPY the results to ``_taxout``."""
    from gisrev.tax import get_regime

    regime = get_regime(regime_name)
    cols = {
        "parcel_id": "int64",
        "kind": "str",
        "use": "str",
        "land_value": "float64",
        "building_value": "float64",
        "owner_type": "str",
    }
    query = "SELECT parcel_id, kind, use, land_value, building_value, owner_type FROM _taxin"
    n = 0
    for batch in _stream(conn, query, cols):
        batch["tax_year"] = year
        batch["vacant_years"] = 0
        taxes = regime.compute_many(batch)
        _copy_in(
            conn,
            "_taxout",
            pd.DataFrame(
                {"parcel_id": batch["parcel_id"], "kind": batch["kind"], "tax": taxes.astype(float)}
            ),
        )
        n += len(batch)
    return n


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


def _buildings_have(n: int) -> str:
    return "1 building has" if n == 1 else f"{n:,} buildings have"


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
    th = settings.thresholds
    params: dict[str, Any] = {
        "lgu": settings.lgu_code,
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
    stages: dict[str, float] = {}
    started = time.perf_counter()

    def stage(name: str, since: float) -> float:
        now = time.perf_counter()
        stages[name] = round(now - since, 3)
        if progress is not None:
            progress(name, stages[name])
        return now

    with transaction(engine) as conn:
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
            "thresholds": dataclasses.asdict(th),
            "priority_weights": dict(settings.priority_weights),
        }
        run_id = conn.execute(
            t.analysis_runs.insert()
            .values(lgu_code=settings.lgu_code, tax_year=year, settings=settings_doc)
            .returning(t.analysis_runs.c.id)
        ).scalar_one()
        params["run_id"] = run_id
        _tune_session(conn)
        psycopg_connection(conn).execute(_sql_file("05_functions.sql").encode())
        conn.execute(
            sa.text("INSERT INTO pg_temp.gisrev_labels (kind, code, th, en)"
                    " VALUES (:kind, :code, :th, :en)"),
            label_rows(),
        )
        now = time.perf_counter()
        _run_step(conn, "10_scope.sql", params)
        now = stage("scope", now)
        _run_step(conn, "20_match.sql", params)
        now = stage("match", now)
        _run_step(conn, "30_buildings.sql", params)
        now = stage("buildings", now)
        n_unpriced, unpriced = _estimate_building_values(conn, year)
        now = stage("building_values", now)
        _run_step(conn, "40_zones.sql", params)
        now = stage("zones", now)
        _run_step(conn, "45_survey.sql", params)
        _run_step(conn, "50_evidence.sql", params)
        now = stage("evidence", now)
        _run_step(conn, "60_tax_input.sql", params)
        _compute_taxes(conn, year, settings.regime)
        now = stage("tax", now)
        for table in (t.findings, t.matches, t.parcel_evidence):
            conn.execute(
                table.delete().where(
                    table.c.lgu_code == settings.lgu_code, table.c.tax_year == year
                )
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
        _run_step(conn, "70_findings.sql", params)
        now = stage("findings", now)
        _run_step(conn, "80_parcel_evidence.sql", params)
        now = stage("parcel_evidence", now)

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
        counts = {code: int(by_code.get(code, 0)) for code in FINDING_CODES}
        matched = {m: int(by_method.get(m, 0)) for m in ("exact", "normalised", "deed")}
        duration = round(time.perf_counter() - started, 3)
        conn.execute(
            t.analysis_runs.update()
            .where(t.analysis_runs.c.id == run_id)
            .values(
                duration_s=duration,
                counts={
                    **counts,
                    "parcels": int(totals[0]),
                    "register_rows": int(totals[1]),
                    "findings": int(totals[2]),
                    "matched": matched,
                    "stage_seconds": stages,
                },
            )
        )
    warnings: list[str] = []
    if n_unpriced:
        warnings.append(
            f"{_buildings_have(n_unpriced)} a type code without a price in the tax tables, "
            f"valued at 0 baht (e.g. {'; '.join(unpriced)}); add their value to the buildings "
            "layer or correct building_type"
        )
    if totals[4]:
        warnings.append(
            f"{_buildings_have(totals[4])} no value, type code or structure, valued at 0 baht; "
            "add value, or building_type and structure, to the buildings layer"
        )
    return AnalysisReport(
        run_id=int(run_id),
        tax_year=year,
        lgu_code=settings.lgu_code,
        n_parcels=int(totals[0]),
        n_register=int(totals[1]),
        matched=matched,
        counts=counts,
        n_findings=int(totals[2]),
        total_gap=float(totals[3]),
        duration_s=duration,
        stages=stages,
        warnings=tuple(warnings),
    )

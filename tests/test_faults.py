"""Faults a real office meets: the database down or not initialised, the connection
killed in mid-load, Ctrl-C, and two analyses of the same year started at once.

The mid-load faults run ``gisrev`` in a subprocess on a file big enough that the
fault lands during the COPY (found in ``pg_stat_activity`` by application name),
and check that the database is exactly as before and that running again works.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import geopandas as gpd
import numpy as np
import psycopg
import pyogrio
import pytest
import shapely
import sqlalchemy as sa
from sqlalchemy.engine import Engine, make_url

from gisrev.config import load_settings

BIG = 60_000  # parcels: two COPY batches, a few seconds of loading on 2 busy cores
TABLES = ("parcels", "buildings", "zones", "register", "load_runs", "rejects", "findings",
          "matches", "analysis_runs")
CLOSED_PORT_URL = "postgresql://gisrev:s3cret-pw@127.0.0.1:9/gisrev"


def snapshot(engine: Engine) -> dict[str, tuple[int, str]]:
    """Row count and an md5 of every row's text, per table."""
    with engine.connect() as conn:
        return {table: tuple(conn.execute(sa.text(
            f"SELECT count(*), md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) "
            f"FROM {table} AS t")).one()) for table in TABLES}


def gisrev(database_url: str, *args: str, app: str | None = None) -> subprocess.Popen[str]:
    """Start ``gisrev --db URL --lgu 501004 ARGS`` as a user would, in its own process."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GISREV_", "PG"))}
    if app:
        env["PGAPPNAME"] = app  # libpq's: lets the test find the load's backend
    return subprocess.Popen([sys.executable, "-m", "gisrev", "--db", database_url,
                             "--lgu", "501004", *args],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@contextlib.contextmanager
def zones_locked(database_url: str) -> Iterator[None]:
    """Hold the zones table so a parcel load stops, its rows copied, before it commits.

    After its COPY a parcel load reads the other layers (the "far from the other
    layers" check); with zones locked it waits there, inside its one transaction, so
    the fault below lands mid-load every time instead of racing a fast load.
    """
    with psycopg.connect(database_url) as conn:
        conn.execute("LOCK TABLE zones IN ACCESS EXCLUSIVE MODE")
        yield
        conn.rollback()


def wait_for_lock(database_url: str, app: str, proc: subprocess.Popen[str]) -> int:
    """Return the backend pid of ``app`` once it waits for a lock, its COPY done."""
    deadline = time.monotonic() + 60
    with psycopg.connect(database_url, autocommit=True) as conn:
        while time.monotonic() < deadline:
            row = conn.execute(
                "SELECT a.pid FROM pg_stat_activity AS a WHERE a.application_name = %s "
                "AND a.wait_event_type = 'Lock' AND EXISTS (SELECT 1 FROM pg_stat_progress_copy "
                "AS c WHERE c.pid = a.pid) IS NOT TRUE", (app,)).fetchone()
            if row:
                return int(row[0])
            if proc.poll() is not None:
                break
            time.sleep(0.02)
    out, err = proc.communicate()
    pytest.fail(f"the load never reached the zones check: {proc.returncode} {out} {err}")


@pytest.fixture(scope="module")
def big_parcels(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A GeoPackage of BIG 20 m parcels in UTM 47N."""
    i = np.arange(BIG)
    x = 660_000.0 + (i % 300) * 25.0
    y = 1_590_000.0 + (i // 300) * 25.0
    frame = gpd.GeoDataFrame({"parcel_code": np.char.add("B-", i.astype(str))},
                             geometry=shapely.box(x, y, x + 20, y + 20), crs=32647)
    path = tmp_path_factory.mktemp("big") / "parcels.gpkg"
    pyogrio.write_dataframe(frame, path, use_arrow=True)
    return path


@pytest.fixture
def loaded(clean_db: Engine, database_url: str, tmp_path: Path) -> Engine:
    """A database holding a first, small parcels load the faulty loads must not disturb."""
    frame = gpd.GeoDataFrame({"parcel_code": ["OLD-1", "OLD-2"]},
                             geometry=[shapely.box(660_000, 1_589_000, 660_020, 1_589_020),
                                       shapely.box(660_030, 1_589_000, 660_050, 1_589_020)],
                             crs=32647)
    pyogrio.write_dataframe(frame, tmp_path / "old.gpkg")
    proc = gisrev(database_url, "load", "parcels", str(tmp_path / "old.gpkg"))
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    return clean_db


# ------------------------------------------------------------ database down / not initialised

@pytest.mark.parametrize("args", [
    ("load", "parcels", "{file}"),
    ("load", "register", "{file}"),
    ("analyze", "--year", "2566"),
    ("export", "findings", "--year", "2566", "--out", "{out}/f.csv"),
    ("map", "--year", "2566", "--out", "{out}/maps"),
    ("report", "--year", "2566", "--out", "{out}/r.html"),
], ids=lambda a: " ".join(a[:2]))
def test_database_down_says_how_to_start_it(gisrev_cli, tmp_path: Path,
                                            args: tuple[str, ...]) -> None:
    (tmp_path / "f.csv").write_text("parcel_code,tax_year\nA,2566\n", encoding="utf-8")
    argv = [a.format(file=tmp_path / "f.csv", out=tmp_path) for a in args]

    result = gisrev_cli("--db", CLOSED_PORT_URL, "--lgu", "501004", *argv)

    assert result.code == 2, result
    assert "Traceback" not in result.err
    (line,) = result.err.strip().splitlines()
    assert line.startswith("gisrev: error: cannot connect to the database at "
                           "postgresql+psycopg://gisrev:***@127.0.0.1:9/gisrev (")
    assert "start it (for a local server: pg_ctlcluster 15 main start" in line
    assert "s3cret-pw" not in result.err + result.out
    assert not (tmp_path / "maps").exists() and not (tmp_path / "r.html").exists()


def test_database_without_schema_says_to_run_db_init(database_url: str, gisrev_cli,
                                                     tmp_path: Path) -> None:
    # A search_path naming no schema at all sees a database without gisrev's tables.
    url = make_url(database_url).update_query_dict({"options": "-csearch_path=no_gisrev_here"})
    csv = tmp_path / "r.csv"
    csv.write_text("parcel_code,tax_year,declared_use\nA,2566,other\n", encoding="utf-8")

    result = gisrev_cli("--db", url.render_as_string(hide_password=False), "--lgu", "501004",
                        "load", "register", str(csv))

    assert result.code == 2 and "Traceback" not in result.err
    assert result.err.strip() == ("gisrev: error: the database has no gisrev schema yet; "
                                  "run `gisrev db init` first")


# ------------------------------------------------------------ mid-load faults

def test_connection_killed_mid_load_writes_nothing_and_the_rerun_succeeds(
    loaded: Engine, database_url: str, big_parcels: Path
) -> None:
    before = snapshot(loaded)
    app = f"gisrev-kill-{uuid.uuid4().hex[:6]}"
    with zones_locked(database_url):
        proc = gisrev(database_url, "load", "parcels", str(big_parcels), app=app)
        pid = wait_for_lock(database_url, app, proc)
        with psycopg.connect(database_url, autocommit=True) as conn:
            assert conn.execute("SELECT pg_terminate_backend(%s)", (pid,)).fetchone() == (True,)
        out, err = proc.communicate(timeout=60)

    assert proc.returncode == 2, (out, err)
    assert "Traceback" not in err
    errors = [line for line in err.splitlines() if line.startswith("gisrev: error:")]
    assert errors == [line for line in errors if "lost the database connection" in line
                      and "nothing was written" in line and "run the command again" in line]
    assert len(errors) == 1, err
    assert snapshot(loaded) == before  # no parcels, load run or reject half-written

    again = gisrev(database_url, "load", "parcels", str(big_parcels))
    out, err = again.communicate(timeout=120)
    assert again.returncode == 0, err
    assert f"Loaded {BIG:,} parcels" in out
    with loaded.connect() as conn:
        n, codes = conn.execute(sa.text(
            "SELECT count(*), count(DISTINCT parcel_code) FROM parcels")).one()
    assert (n, codes) == (BIG, BIG)  # the old layer replaced whole, nothing twice


def test_ctrl_c_mid_load_exits_130_and_writes_nothing(
    loaded: Engine, database_url: str, big_parcels: Path
) -> None:
    before = snapshot(loaded)
    app = f"gisrev-int-{uuid.uuid4().hex[:6]}"
    with zones_locked(database_url):
        proc = gisrev(database_url, "load", "parcels", str(big_parcels), app=app)
        wait_for_lock(database_url, app, proc)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)

    assert proc.returncode == 130, (out, err)
    assert "Traceback" not in err
    assert err.strip().splitlines()[-1] == "gisrev: interrupted; nothing was written"
    assert snapshot(loaded) == before
    with psycopg.connect(database_url, autocommit=True) as conn:  # no session left holding locks
        deadline = time.monotonic() + 10
        while conn.execute("SELECT count(*) FROM pg_stat_activity WHERE application_name = %s",
                           (app,)).fetchone() != (0,):
            assert time.monotonic() < deadline, "the interrupted load's session is still there"
            time.sleep(0.1)


# ------------------------------------------------------------ concurrent analyses

@pytest.fixture(scope="module")
def sample_town(engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> Path:
    from gisrev.sample import generate_town

    return generate_town(tmp_path_factory.mktemp("town"), parcels=200, seed=3).path


def test_two_analyses_of_one_year_at_once_are_serialised_without_duplicates(
    clean_db: Engine, database_url: str, sample_town: Path
) -> None:
    from gisrev.analyze import run_analysis
    from gisrev.load import load_register, load_vector

    settings = load_settings(sample_town / "gisrev.toml", env={})
    mapping = sample_town / "mapping.toml"
    for kind in ("parcels", "buildings", "zones"):
        (path,) = [p for p in sample_town.iterdir() if p.stem == kind and p.suffix != ".cpg"
                   and p.suffix in (".shp", ".gpkg", ".geojson")]
        load_vector(clean_db, path, kind=kind, settings=settings, mapping=mapping)
    (register,) = sample_town.glob("register_2566.*")
    load_register(clean_db, register, settings=settings, mapping=mapping)
    single = run_analysis(clean_db, year=2566, settings=settings)
    key = ("SELECT parcel_code, coalesce(account_id, ''), array_to_string(flags, ';'), "
           "round(gap::numeric, 2) FROM findings WHERE tax_year = 2023 ORDER BY 1, 2")
    with clean_db.connect() as conn:
        reference = conn.execute(sa.text(key)).all()
    assert len(reference) == single.n_findings > 10

    config = str(sample_town / "gisrev.toml")
    procs = [gisrev(database_url, "--config", config, "analyze", "--year", "2566", "--quiet")
             for _ in range(2)]
    results = [p.communicate(timeout=300) for p in procs]

    for proc, (out, err) in zip(procs, results, strict=True):
        assert proc.returncode == 0 and "Traceback" not in err, err
        assert out.startswith(f"{single.n_findings} findings, revenue gap")
    with clean_db.connect() as conn:
        assert conn.execute(sa.text(key)).all() == reference
        runs = conn.execute(sa.text(
            "SELECT count(*), count(DISTINCT analysis_run_id) FROM findings WHERE tax_year = 2023"
        )).one()
        n_runs = conn.execute(sa.text(
            "SELECT count(*) FROM analysis_runs WHERE tax_year = 2023")).scalar_one()
    assert runs == (len(reference), 1)  # all rows from one run: the other run's were replaced
    assert n_runs == 3


@pytest.mark.parametrize("kinds", [("parcels", "buildings"), ("parcels", "parcels")],
                         ids=["two-layers", "one-layer-twice"])
def test_two_big_loads_at_once_both_finish(
    clean_db: Engine, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    kinds: tuple[str, str],
) -> None:
    # Both take the bulk path, which drops and rebuilds the table's indexes and keys.
    import threading

    import gisrev.load.vector as vector
    from gisrev.load import load_vector

    monkeypatch.setattr(vector, "_DEFER_INDEXES_FROM", 1)
    boxes = [shapely.box(660_000.0 + 30 * i, 1_590_000.0, 660_020.0 + 30 * i, 1_590_020.0)
             for i in range(50)]
    files = []
    for n, kind in enumerate(kinds):
        column = {"parcels": "parcel_code", "buildings": "building_code"}[kind]
        frame = gpd.GeoDataFrame({column: [f"{kind[0]}{n}-{i}" for i in range(50)]},
                                 geometry=boxes, crs=32647)
        files.append((kind, tmp_path / f"{kind}{n}.gpkg"))
        pyogrio.write_dataframe(frame, files[-1][1])
    settings = load_settings(None, env={"GISREV_LGU": "501004"})
    errors: list[BaseException] = []

    def load(kind: str, path: Path) -> None:
        try:
            load_vector(clean_db, path, kind=kind, settings=settings)
        except BaseException as exc:  # reported below, with the other thread's
            errors.append(exc)

    # Hold both tables, so that both loads are inside their transactions at once before
    # either goes on; then let them go.
    with psycopg.connect(database_url) as holder:
        holder.execute("LOCK TABLE parcels, buildings IN ACCESS EXCLUSIVE MODE")
        threads = [threading.Thread(target=load, args=file) for file in files]
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 30
        with psycopg.connect(database_url, autocommit=True) as watcher:
            while time.monotonic() < deadline and watcher.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                "AND pid <> %s", (holder.info.backend_pid,)).fetchone() != (2,):
                time.sleep(0.02)
        holder.rollback()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    with clean_db.connect() as conn:
        counts = {kind: conn.execute(sa.text(f"SELECT count(*) FROM {kind}")).scalar_one()
                  for kind in ("parcels", "buildings")}
    # One layer loaded twice holds one copy: the second load replaced the first.
    assert counts == {"parcels": 50, "buildings": 50 if "buildings" in kinds else 0}

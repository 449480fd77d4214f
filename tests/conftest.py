"""Fixtures: a real PostGIS database made for this test session, and a CLI runner.

The server comes from ``--db``, then ``GISREV_TEST_DATABASE_URL``, then
``GISREV_DATABASE_URL``, then the local default that ``scripts/setup.sh`` makes.
A fresh database with a unique name is created on it and dropped afterwards, so
tests never touch real data.
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import os
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from gisrev.config import DEFAULT_DATABASE_URL
from gisrev.db import init_db, make_engine
from gisrev.db.engine import throwaway_database

DATA_TABLES = (
    "parcel_evidence", "findings", "matches", "analysis_runs", "rejects", "register",
    "parcels", "buildings", "zones", "load_runs", "survey_visits", "municipalities",
)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--db", action="store", default=None, help="PostGIS server URL for the tests")


def pytest_report_header(config: pytest.Config) -> list[str]:
    import geopandas
    import pyogrio
    import shapely
    import sqlalchemy

    return [
        f"gisrev deps: geopandas {geopandas.__version__}, shapely {shapely.__version__}, "
        f"pyogrio {pyogrio.__version__} (GDAL {pyogrio.__gdal_version_string__}), "
        f"sqlalchemy {sqlalchemy.__version__}"
    ]


def _server_url(config: pytest.Config) -> str:
    return (
        config.getoption("--db")
        or os.environ.get("GISREV_TEST_DATABASE_URL")
        or os.environ.get("GISREV_DATABASE_URL")
        or DEFAULT_DATABASE_URL
    )


@pytest.fixture(scope="session")
def database_url(pytestconfig: pytest.Config) -> Iterator[str]:
    """URL (libpq form) of a throw-away database with PostGIS."""
    with throwaway_database(_server_url(pytestconfig), prefix="gisrev_test") as url:
        yield url


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    """An engine on the test database, schema initialised (EPSG:32647)."""
    eng = make_engine(database_url)
    init_db(eng, srid=32647)
    yield eng
    eng.dispose()


@pytest.fixture
def clean_db(engine: Engine) -> Engine:
    """The test database with every data table emptied first."""
    with engine.begin() as conn:
        conn.execute(sa.text(f"TRUNCATE {', '.join(DATA_TABLES)} RESTART IDENTITY CASCADE"))
    return engine


@dataclasses.dataclass
class CliResult:
    """What a CLI run left behind."""

    code: int
    out: str
    err: str


@pytest.fixture
def gisrev_cli(database_url: str, engine: Engine, monkeypatch: pytest.MonkeyPatch):
    """Run ``gisrev ARGS`` in-process against the test database; returns a CliResult."""
    from gisrev.cli import main

    monkeypatch.setenv("GISREV_DATABASE_URL", database_url)

    def run(*args: str) -> CliResult:
        out, err = io.StringIO(), io.StringIO()
        code = 0
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                main([str(a) for a in args])
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        return CliResult(code, out.getvalue(), err.getvalue())

    return run

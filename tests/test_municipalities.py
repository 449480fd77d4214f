"""The municipalities table: filled from gisrev.toml by db init and every load, read by outputs."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
import sqlalchemy as sa
from fixtures_load import chiang_mai_xy, utm_square, write_csv, write_vector
from sqlalchemy.engine import Engine

from gisrev import config
from gisrev.config import Settings, Thresholds, load_settings
from gisrev.db import municipalities
from gisrev.db.municipalities import Municipality, municipality, municipality_codes
from gisrev.errors import InputError
from gisrev.load import load_register, load_vector

MAE_HIA_TOML = """\
[project]
lgu_code = "501004"
name_th = "เทศบาลตำบลแม่เหียะ"
name_en = "Mae Hia Subdistrict Municipality"
[thresholds]
area_tolerance = 0.2
field_min_gap = 150
[priority]
ARREARS = 2
"""


def _municipality(engine: Engine, code: str) -> Municipality:
    with engine.connect() as conn:
        return municipality(conn, code)


def _register_csv(path: Path, *rows: list[str]) -> Path:
    return write_csv(path, ["parcel_code", "tax_year", "declared_use"], list(rows))


def test_db_init_records_the_municipality_of_gisrev_toml(
    gisrev_cli, clean_db: Engine, tmp_path: Path
) -> None:
    toml = tmp_path / "gisrev.toml"
    toml.write_text(MAE_HIA_TOML, encoding="utf-8")
    result = gisrev_cli("--config", toml, "db", "init")
    assert result.code == 0, result.err
    town = _municipality(clean_db, "501004")
    assert town == Municipality(
        lgu_code="501004",
        name_th="เทศบาลตำบลแม่เหียะ",
        name_en="Mae Hia Subdistrict Municipality",
        field_min_gap=150.0,
        thresholds={
            "thresholds": {
                **dataclasses.asdict(Thresholds(area_tolerance=0.2)),
                "field_min_gap": 150.0,
            },
            "priority": {"ARREARS": 2.0},
        },
    )
    with clean_db.connect() as conn:
        assert municipality_codes(conn) == ["501004"]


def test_db_init_without_a_municipality_records_none(gisrev_cli, clean_db: Engine) -> None:
    result = gisrev_cli("db", "init")  # no gisrev.toml here, no GISREV_LGU, no --lgu
    assert result.code == 0, result.err
    with clean_db.connect() as conn:
        assert municipality_codes(conn) == []


def test_a_register_load_records_the_municipality(clean_db: Engine, tmp_path: Path) -> None:
    settings = Settings(lgu_code="501004", name_th="แม่เหียะ", field_min_gap=300.0)
    load_register(clean_db, _register_csv(tmp_path / "r.csv", ["ชม-001", "2566", "vacant"]),
                  settings=settings)
    town = _municipality(clean_db, "501004")
    assert (town.name_th, town.name_en, town.field_min_gap) == ("แม่เหียะ", "501004", 300.0)
    assert town.thresholds == settings.thresholds_document()


def test_a_layer_load_records_the_municipality(clean_db: Engine, tmp_path: Path) -> None:
    x, y = chiang_mai_xy(32647)
    gpkg = write_vector(tmp_path / "parcels.gpkg", [{"parcel_code": "P1"}], [utm_square(x, y)],
                       crs=32647)
    settings = Settings(lgu_code="501004", name_en="Mae Hia")
    load_vector(clean_db, gpkg, kind="parcels", settings=settings)
    assert _municipality(clean_db, "501004").name_en == "Mae Hia"


def test_a_failed_load_records_no_municipality(clean_db: Engine, tmp_path: Path) -> None:
    # The municipality's row is written in the load's own transaction.
    csv = _register_csv(tmp_path / "r.csv", ["ชม-001", "25x6", "vacant"])
    with pytest.raises(InputError, match="no register row could be loaded"):
        load_register(clean_db, csv, settings=Settings(lgu_code="501004", name_th="แม่เหียะ"))
    with clean_db.connect() as conn:
        assert municipality_codes(conn) == []


def test_a_load_without_names_keeps_the_names_recorded_before(
    clean_db: Engine, tmp_path: Path
) -> None:
    csv = _register_csv(tmp_path / "r.csv", ["ชม-001", "2566", "vacant"])
    named = Settings(lgu_code="501004", name_th="แม่เหียะ", name_en="Mae Hia")
    load_register(clean_db, csv, settings=named)
    load_register(clean_db, csv, settings=Settings(lgu_code="501004", field_min_gap=500.0))
    town = _municipality(clean_db, "501004")
    assert (town.name_th, town.name_en, town.field_min_gap) == ("แม่เหียะ", "Mae Hia", 500.0)


def test_an_unknown_municipality_reads_as_its_code(clean_db: Engine) -> None:
    assert _municipality(clean_db, "999999") == Municipality(
        lgu_code="999999", name_th="999999", name_en="999999", field_min_gap=200.0, thresholds={}
    )


def test_several_municipalities_are_listed_by_code(clean_db: Engine, tmp_path: Path) -> None:
    csv = _register_csv(tmp_path / "r.csv", ["ชม-001", "2566", "vacant"])
    for code in ("501005", "501004"):
        load_register(clean_db, csv, settings=Settings(lgu_code=code))
    with clean_db.connect() as conn:
        assert municipality_codes(conn) == ["501004", "501005"]
        recorded = conn.execute(sa.text("SELECT count(*) FROM municipalities")).scalar()
    assert recorded == 2


def test_names_come_from_gisrev_toml_only_for_its_own_municipality(tmp_path: Path) -> None:
    toml = tmp_path / "gisrev.toml"
    toml.write_text(MAE_HIA_TOML, encoding="utf-8")
    own = load_settings(toml, env={})
    assert (own.name_th, own.name_en, own.field_min_gap) == (
        "เทศบาลตำบลแม่เหียะ", "Mae Hia Subdistrict Municipality", 150.0
    )
    other = load_settings(toml, env={"GISREV_LGU": "501005"})
    assert (other.lgu_code, other.name_th, other.name_en) == ("501005", None, None)
    assert other.field_min_gap == 150.0  # thresholds still apply to whichever is chosen


def test_field_min_gap_is_a_number_under_thresholds(tmp_path: Path) -> None:
    toml = tmp_path / "gisrev.toml"
    toml.write_text('[thresholds]\nfield_min_gap = "lots"\n', encoding="utf-8")
    with pytest.raises(InputError, match=r"thresholds.field_min_gap = 'lots'; expected a number"):
        load_settings(toml, env={})
    assert Settings().field_min_gap == 200.0


def test_the_default_field_min_gap_is_the_same_in_settings_and_database() -> None:
    assert config.DEFAULT_FIELD_MIN_GAP == municipalities.DEFAULT_FIELD_MIN_GAP == 200.0


# ---- The municipality is explicit: writing needs one, reading may find the only one ----

NO_LGU = (
    "gisrev: error: no municipality given: pass --lgu CODE, set GISREV_LGU, "
    "or put lgu_code in gisrev.toml's [project]\n"
)


def _row_counts(engine: Engine) -> dict[str, int]:
    """Rows in every table of the database's schema (the check that nothing was written)."""
    with engine.connect() as conn:
        names = conn.execute(sa.text(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY 1"
        )).scalars().all()
        return {n: conn.execute(sa.text(f'SELECT count(*) FROM "{n}"')).scalar_one()
                for n in names}


@pytest.fixture
def nowhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty working folder (no gisrev.toml) and no GISREV_LGU."""
    folder = tmp_path / "empty"
    folder.mkdir()
    monkeypatch.chdir(folder)
    monkeypatch.delenv("GISREV_LGU", raising=False)
    return folder


def test_analyze_without_a_municipality_is_one_line_and_writes_nothing(
    gisrev_cli, clean_db: Engine, nowhere: Path
) -> None:
    before = _row_counts(clean_db)
    assert "analysis_runs" in before and "findings" in before
    result = gisrev_cli("analyze", "--year", "2566")
    assert (result.code, result.err, result.out) == (2, NO_LGU, "")
    assert _row_counts(clean_db) == before
    assert list(nowhere.iterdir()) == []


def test_every_command_that_writes_refuses_without_a_municipality(
    gisrev_cli, clean_db: Engine, nowhere: Path, tmp_path: Path
) -> None:
    csv = _register_csv(tmp_path / "r.csv", ["ชม-001", "2566", "vacant"])
    x, y = chiang_mai_xy(32647)
    gpkg = write_vector(tmp_path / "parcels.gpkg", [{"parcel_code": "P1"}], [utm_square(x, y)],
                       crs=32647)
    survey = write_csv(tmp_path / "s.csv", ["parcel_code", "visited_at", "outcome"],
                       [["P1", "2023-08-14", "registered"]])
    before = _row_counts(clean_db)
    for args in (("load", "parcels", gpkg), ("load", "register", csv),
                 ("survey", "import", survey)):
        result = gisrev_cli(*args)
        assert (result.code, result.err) == (2, NO_LGU), args
    assert _row_counts(clean_db) == before


def test_the_library_writes_no_run_without_a_municipality(clean_db: Engine) -> None:
    from gisrev.analyze import run_analysis
    from gisrev.errors import NoMunicipalityError

    before = _row_counts(clean_db)
    with pytest.raises(NoMunicipalityError, match="pass --lgu CODE, set GISREV_LGU"):
        run_analysis(clean_db, year=2566, settings=Settings())
    with clean_db.begin() as conn, pytest.raises(NoMunicipalityError):
        municipalities.save_municipality(conn, Settings())
    assert _row_counts(clean_db) == before


def _analysed(engine: Engine, code: str, *, gap: float) -> None:
    """An analysis run of 2566 (2023) for ``code`` with one UNREGISTERED finding."""
    with engine.begin() as conn:
        run = conn.execute(sa.text(
            "INSERT INTO analysis_runs (lgu_code, tax_year) VALUES (:lgu, 2023) RETURNING id"
        ), {"lgu": code}).scalar_one()
        conn.execute(sa.text(
            "INSERT INTO findings (lgu_code, tax_year, analysis_run_id, parcel_code, flags, gap,"
            " priority) VALUES (:lgu, 2023, :run, :code, ARRAY['UNREGISTERED'], :gap, 1)"
        ), {"lgu": code, "run": run, "code": f"{code}-1", "gap": gap})


def test_a_reading_command_uses_the_only_municipality_and_names_several(
    gisrev_cli, clean_db: Engine, nowhere: Path
) -> None:
    _analysed(clean_db, "501005", gap=700)
    result = gisrev_cli("export", "findings", "--year", "2566", "--out", "f.csv")
    assert result.code == 0, result.err
    assert "501005-1" in (nowhere / "f.csv").read_text(encoding="utf-8-sig")

    _analysed(clean_db, "501004", gap=300)
    for args in (("export", "findings", "--year", "2566", "--out", "g.csv"),
                 ("map", "--year", "2566", "--out", "maps"),
                 ("report", "--year", "2566", "--out", "r.html")):
        result = gisrev_cli(*args)
        assert (result.code, result.err) == (2, (
            "gisrev: error: the database holds several municipalities for tax year 2566 (2023)"
            " (501004, 501005); pass --lgu CODE\n"
        )), args
    result = gisrev_cli("--lgu", "501004", "export", "findings", "--year", "2566", "--out", "g.csv")
    assert result.code == 0, result.err
    assert "501004-1" in (nowhere / "g.csv").read_text(encoding="utf-8-sig")

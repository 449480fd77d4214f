"""The notebook API reads the findings table: planted findings with known sums."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from town import Town, rect

import gisrev
from gisrev import api
from gisrev.errors import InputError
from gisrev.vocab import FINDING_CODES

LGU = "000000"


@dataclasses.dataclass(frozen=True)
class Planted:
    """A town whose 2023 findings add up to known numbers (worked out by hand below)."""

    engine: Engine
    parcel_ids: dict[str, int]


def insert_finding(engine: Engine, *, parcel_code: str, flags: list[str], parcel_id: int | None,
                   gap: float | None, expected_tax: float | None = None,
                   tax_assessed: float | None = None, tax_paid: float | None = None,
                   zone_code: str | None = None, zone_id: int | None = None,
                   declared_use: str | None = None,
                   evidence_use: str | None = None, priority: int | None = None,
                   tax_year: int = 2023, lgu_code: str = LGU) -> None:
    """Insert one findings row as the analysis would (zone_id: the first zone of zone_code)."""
    with engine.begin() as conn:
        conn.execute(sa.text(
            "INSERT INTO findings (lgu_code, tax_year, parcel_id, parcel_code, flags, zone_id,"
            " zone_code, declared_use, evidence_use, expected_tax, tax_assessed, tax_paid, gap,"
            " priority, reason_en, reason_th) "
            "VALUES (:lgu, :year, :pid, :code, :flags, coalesce(CAST(:zone_id AS bigint),"
            " (SELECT min(id) FROM zones WHERE lgu_code = :lgu AND zone_code = :zone)), :zone,"
            " :duse, :euse, :exp, :ass, :paid, :gap, :prio, 'planted', 'ทดสอบ')"
        ), {"lgu": lgu_code, "year": tax_year, "pid": parcel_id, "code": parcel_code,
            "flags": flags, "zone_id": zone_id, "zone": zone_code, "duse": declared_use,
            "euse": evidence_use, "exp": expected_tax, "ass": tax_assessed, "paid": tax_paid,
            "gap": gap, "prio": priority})


def plant(engine: Engine) -> Planted:
    """Five parcels in two zones; four 2023 findings (one an orphan record), one 2024 finding.

    2023 totals: findings 4, flagged parcels 3, orphans 1, expected 8 800, assessed 2 200,
    paid 1 300, gap 7 900. Register 2023: 4 accounts, assessed 2 800, paid 1 900.
    """
    town = Town(engine, lgu_code=LGU, tax_year=2023)
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO analysis_runs (lgu_code, tax_year) VALUES"
                             " (:lgu, 2023), (:lgu, 2024)"), {"lgu": LGU})
    town.zone(rect(0, 0, 100, 100), price_per_sqwah=10_000, zone_code="Z1",
              zone_name="ในเมือง <b>centre</b>")
    town.zone(rect(100, 0, 100, 100), price_per_sqwah=2_000, zone_code="Z2", zone_name="ชานเมือง")
    ids = {
        "P-1": town.parcel("P-1", rect(10, 10, 20, 20)),
        "P-2": town.parcel("P-2", rect(40, 10, 20, 20)),
        "P-3": town.parcel("P-3", rect(110, 10, 20, 20)),
        "P-4": town.parcel("P-4", rect(150, 10, 20, 20)),
        "P-5": town.parcel("P-5", rect(150, 50, 20, 20)),
    }
    town.register("P-2", owner_id="3100500123456", owner_name="นายลับ เฉพาะ",
                  tax_assessed=1000, tax_paid=1000)
    town.register("P-3", owner_id="3100500999999", tax_assessed=800, tax_paid=300)
    town.register("X-9", declared_use="other", tax_assessed=400, tax_paid=0)
    town.register("P-4", tax_assessed=600, tax_paid=600)
    insert_finding(engine, parcel_code="P-1", parcel_id=ids["P-1"], flags=["UNREGISTERED"],
                   expected_tax=5000, gap=5000, zone_code="Z1", evidence_use="residential",
                   priority=1)
    insert_finding(engine, parcel_code="P-2", parcel_id=ids["P-2"],
                   flags=["UNDERPAID", "USE_MISMATCH"], expected_tax=3000, tax_assessed=1000,
                   tax_paid=1000, gap=2000, zone_code="Z1", declared_use="residential",
                   evidence_use="other", priority=2)
    insert_finding(engine, parcel_code="P-3", parcel_id=ids["P-3"], flags=["ARREARS"],
                   expected_tax=800, tax_assessed=800, tax_paid=300, gap=500, zone_code="Z2",
                   declared_use="agriculture", evidence_use="agriculture", priority=3)
    insert_finding(engine, parcel_code="X-9", parcel_id=None, flags=["ORPHAN_RECORD", "ARREARS"],
                   tax_assessed=400, tax_paid=0, gap=400, declared_use="other", priority=4)
    insert_finding(engine, parcel_code="P-1", parcel_id=ids["P-1"], flags=["UNREGISTERED"],
                   expected_tax=5500, gap=5500, zone_code="Z1", evidence_use="residential",
                   priority=1, tax_year=2024)
    return Planted(engine, ids)


@pytest.fixture
def planted(clean_db: Engine) -> Planted:
    return plant(clean_db)


def test_public_names_are_exported():
    for name in ("connect", "findings", "summary", "gap_by", "gap_by_year", "zone_gaps",
                 "what_if", "revenue_recovered", "revenue_by", "explore"):
        assert name in gisrev.__all__
        assert getattr(gisrev, name) is getattr(api, name)


def test_connect_reads_the_url_from_the_environment(database_url, engine, monkeypatch):
    monkeypatch.setenv("GISREV_DATABASE_URL", database_url)
    eng = gisrev.connect()
    try:
        assert eng.url.database == engine.url.database
    finally:
        eng.dispose()


def test_findings_come_with_parcel_geometry_in_wgs84(planted):
    gdf = gisrev.findings(2023, engine=planted.engine, lgu_code=LGU)
    assert gdf.crs.to_epsg() == 4326
    assert list(gdf.parcel_code) == ["P-1", "P-2", "P-3", "X-9"]
    assert gdf.loc[1, "flags"] == ["UNDERPAID", "USE_MISMATCH"]
    assert gdf.gap.sum() == pytest.approx(7900)
    # central Thailand, the parcel's own square (about 20 m across)
    p1 = gdf.geometry.iloc[0]
    assert 100 < p1.centroid.x < 102 and 14 < p1.centroid.y < 15
    assert p1.bounds[2] - p1.bounds[0] == pytest.approx(20 / 107_500, rel=0.05)
    # the orphan record has no parcel and so no geometry
    assert gdf.geometry.iloc[3] is None
    assert not {"owner_id", "owner_name"} & set(gdf.columns)


def test_findings_accept_buddhist_era_years(planted):
    ce = gisrev.findings(2024, engine=planted.engine, lgu_code=LGU)
    be = gisrev.findings(2567, engine=planted.engine, lgu_code=LGU)
    assert list(be.parcel_code) == list(ce.parcel_code) == ["P-1"]
    assert be.gap.tolist() == [5500]


def test_years_read_as_the_cli_reads_them(planted):
    # Thai digits, as a Thai keyboard types them, were a ValueError from int(); a two-digit
    # year asked the database for tax year 66 CE.
    assert gisrev.summary("๒๕๖๖", engine=planted.engine, lgu_code=LGU).year == 2023
    with pytest.raises(InputError, match=r"tax year 66: expected a year such as 2566 \(BE\)"):
        gisrev.findings(66, engine=planted.engine, lgu_code=LGU)


def test_summary_totals_add_up_the_planted_findings(planted):
    s = gisrev.summary(2566, engine=planted.engine, lgu_code=LGU)
    assert s.year == 2023
    assert s.totals == {
        "parcels": 5, "register_accounts": 4, "register_assessed": 2800.0,
        "register_paid": 1900.0, "findings": 4, "flagged_parcels": 3, "orphan_records": 1,
        "expected_tax": 8800.0, "tax_assessed": 2200.0, "tax_paid": 1300.0, "gap": 7900.0,
    }


def test_gap_by_flag_counts_a_finding_under_each_of_its_codes(planted):
    df = gisrev.gap_by(2023, by="flag", engine=planted.engine, lgu_code=LGU).set_index("flag")
    assert list(df.index) == list(FINDING_CODES)
    assert df.loc["UNREGISTERED"].tolist() == [1, 5000]
    assert df.loc["UNDERPAID"].tolist() == [1, 2000]
    assert df.loc["USE_MISMATCH"].tolist() == [1, 2000]
    assert df.loc["ARREARS"].tolist() == [2, 900]
    assert df.loc["ORPHAN_RECORD"].tolist() == [1, 400]
    assert df.loc["DUPLICATE_RECORD"].tolist() == [0, 0]


def test_gap_by_zone_names_zones_and_keeps_unzoned_findings(planted):
    df = gisrev.gap_by(2023, by="zone", engine=planted.engine, lgu_code=LGU)
    rows = df[["zone_code", "zone_name", "findings", "gap"]].to_dict("records")
    assert rows[:2] == [
        {"zone_code": "Z1", "zone_name": "ในเมือง <b>centre</b>", "findings": 2, "gap": 7000},
        {"zone_code": "Z2", "zone_name": "ชานเมือง", "findings": 1, "gap": 500},
    ]
    assert pd.isna(rows[2]["zone_code"]) and (rows[2]["findings"], rows[2]["gap"]) == (1, 400)
    assert df.gap.sum() == pytest.approx(7900)


def test_gap_by_use_prefers_the_evidence(planted):
    df = gisrev.gap_by(2023, by="use", engine=planted.engine, lgu_code=LGU).set_index("use")
    assert df.gap.to_dict() == {"residential": 5000, "other": 2400, "agriculture": 500}


def test_top_parcels_exclude_orphans_and_are_ordered_by_gap(planted):
    s = gisrev.summary(2023, engine=planted.engine, lgu_code=LGU, top=2)
    assert s.top.parcel_code.tolist() == ["P-1", "P-2"]
    assert s.top.gap.tolist() == [5000, 2000]


def test_zone_gaps_colour_each_zone_by_its_findings(planted):
    gdf = gisrev.zone_gaps(2023, engine=planted.engine, lgu_code=LGU)
    assert gdf.crs.to_epsg() == 4326
    assert gdf.set_index("zone_code").gap.to_dict() == {"Z1": 7000, "Z2": 500}


def test_zone_gaps_sum_each_polygon_apart_as_the_zone_summary_view_does(planted):
    # A second polygon sharing the code Z2 and a polygon without a code, each with a finding
    # of its own: grouped by zone code, both Z2 polygons showed 500 + 70 and the uncoded
    # zone showed nothing.
    town = Town(planted.engine, lgu_code=LGU, tax_year=2023)
    far = town.zone(rect(300, 0, 100, 100), price_per_sqwah=1_500, zone_code="Z2")
    uncoded = town.zone(rect(400, 0, 100, 100), price_per_sqwah=900)
    for code, zone_id, x, gap in (("P-6", far, 310, 70), ("P-7", uncoded, 410, 30)):
        insert_finding(planted.engine, parcel_code=code, flags=["UNREGISTERED"],
                       parcel_id=town.parcel(code, rect(x, 10, 20, 20)),
                       expected_tax=gap, gap=gap, zone_id=zone_id, zone_code=None)
    gdf = gisrev.zone_gaps(2023, engine=planted.engine, lgu_code=LGU)
    got = sorted(zip(gdf.zone_code.fillna("-"), gdf.price_per_sqwah, gdf.findings, gdf.gap,
                     strict=True))
    assert got == [("-", 900, 1, 30), ("Z1", 10_000, 2, 7_000), ("Z2", 1_500, 1, 70),
                   ("Z2", 2_000, 1, 500)]
    with planted.engine.connect() as conn:
        view = sorted(conn.execute(sa.text(
            "SELECT coalesce(zone_code, '-'), price_per_sqwah, n_findings, gap FROM zone_summary"
            " WHERE tax_year = 2023"
        )).all())
    assert [tuple(map(float, r[1:])) for r in view] == [tuple(map(float, g[1:])) for g in got]


def test_gap_by_year_lists_each_analysed_year(planted):
    df = gisrev.gap_by_year(engine=planted.engine, lgu_code=LGU)
    assert df.tax_year.tolist() == [2023, 2024]
    assert df.tax_year_be.tolist() == [2566, 2567]
    assert df.gap.tolist() == [7900, 5500]
    assert df.unregistered.tolist() == [1, 1]
    assert df.register_paid.tolist() == [1900, 0]


def test_the_only_municipality_is_found_without_lgu(planted):
    assert gisrev.summary(2023, engine=planted.engine).lgu_code == LGU


def test_several_municipalities_need_lgu(planted):
    insert_finding(planted.engine, parcel_code="Q-1", parcel_id=None, flags=["ORPHAN_RECORD"],
                   gap=1, lgu_code="501004")
    with pytest.raises(InputError,
                       match=r"several municipalities .*\(000000, 501004\); pass lgu_code="):
        gisrev.findings(2023, engine=planted.engine)
    assert gisrev.summary(2023, engine=planted.engine, lgu_code="501004").totals["gap"] == 1


def test_a_year_never_analysed_says_to_run_the_analysis(planted):
    with pytest.raises(InputError, match=r"no analysis for tax year 2560 \(2017\).*"
                                         r"gisrev analyze --year 2560"):
        gisrev.summary(2017, engine=planted.engine, lgu_code=LGU)


def test_gap_by_rejects_an_unknown_grouping(planted):
    with pytest.raises(InputError, match="expected one of 'zone', 'use', 'flag'"):
        gisrev.gap_by(2023, by="owner", engine=planted.engine)  # type: ignore[arg-type]


def test_revenue_recovered_needs_both_years_analysed(planted):
    with pytest.raises(InputError, match="tax year 2568 has not been analysed"):
        gisrev.revenue_recovered(2567, engine=planted.engine, lgu_code=LGU)
    frame = gisrev.revenue_recovered(2566, engine=planted.engine, lgu_code=LGU)
    assert frame.empty and frame.attrs["total"] == 0.0


def test_revenue_recovered_with_an_engine_does_not_read_gisrev_toml(planted, tmp_path,
                                                                     monkeypatch):
    # It re-read ./gisrev.toml only to pass the municipality on: a broken file broke it.
    (tmp_path / "gisrev.toml").write_text("[database\nurl = ", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    frame = gisrev.revenue_recovered(2566, engine=planted.engine, lgu_code=LGU)
    assert frame.empty and frame.attrs["total"] == 0.0


def test_lgu_still_works_for_one_release_with_a_deprecation_warning(planted):
    with pytest.deprecated_call(match="pass lgu_code= instead"):
        s = gisrev.summary(2023, engine=planted.engine, lgu=LGU)
    assert s.lgu_code == LGU and s.totals["gap"] == 7900
    with pytest.deprecated_call(), pytest.raises(InputError, match="disagree; pass lgu_code="):
        gisrev.findings(2023, engine=planted.engine, lgu_code=LGU, lgu="501004")

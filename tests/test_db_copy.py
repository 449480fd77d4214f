"""The column-wise binary COPY writer and the batched, bulk load path built on it."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pyarrow as pa
import pytest
import shapely
import sqlalchemy as sa
from fixtures_load import chiang_mai_xy, utm_square, write_vector
from sqlalchemy.engine import Engine

import gisrev.load.vector as vector
from gisrev.config import Settings
from gisrev.db.copy import copy_columns
from gisrev.db.schema import open_tables
from gisrev.load import load_vector

SETTINGS = Settings(lgu_code="501004")
COLUMNS = ["lgu_code", "run_id", "geom", "parcel_code", "parcel_code_norm", "deed_no"]
COLUMNS += ["price_per_sqwah", "attrs"]


def _ewkb(x: float, srid: int = 32647) -> bytes:
    square = shapely.set_srid(shapely.multipolygons([utm_square(x, 0.0, 1.0)]), srid)
    return shapely.to_wkb(square, include_srid=True, flavor="extended")


def _rows(engine: Engine, sql: str, **params: object) -> list[sa.Row]:
    with engine.connect() as conn:
        return list(conn.execute(sa.text(sql), params))


def test_copy_columns_round_trips_text_nulls_numbers_json_and_geometry(clean_db: Engine) -> None:
    awkward = ["tab\there", "line\nbreak \\ back", "ชม-๐๐๑", "", None]
    with clean_db.begin() as conn:
        t = open_tables(conn)
        with copy_columns(conn, t.parcels, COLUMNS) as write:
            sent = write(
                [
                    "501004",  # one value for every row
                    None,
                    pa.array([_ewkb(i) for i in range(5)], pa.binary()),
                    pa.array([f"P{i}" for i in range(5)]),
                    pa.chunked_array([["N0", "N1"], ["N2", "N3", "N4"]]),
                    pa.array(awkward),
                    pa.array([1.5, None, 0.0, -2.25, 1e300]),
                    pa.array(['{"ชื่อ": "สมชาย"}', None, "[]", '{"a": null}', '"x"']),
                ]
            )
            sent += write(
                [
                    "501004",
                    None,
                    pa.array([_ewkb(9)], pa.binary()),
                    pa.array(["P9"], pa.large_string()),
                    pa.array(["N9"]),
                    None,
                    pa.array([7], pa.int64()),
                    pa.array([None], pa.string()),
                ]
            )
    assert sent == 6
    rows = _rows(
        clean_db,
        "SELECT lgu_code, run_id, parcel_code, parcel_code_norm, deed_no, price_per_sqwah, "
        "attrs, ST_SRID(geom) AS srid, ST_XMin(geom) AS x FROM parcels ORDER BY parcel_code",
    )
    assert [r.parcel_code for r in rows] == ["P0", "P1", "P2", "P3", "P4", "P9"]
    assert [r.deed_no for r in rows] == [*awkward, None]
    assert [r.price_per_sqwah for r in rows] == [1.5, None, 0.0, -2.25, 1e300, 7.0]
    assert [r.attrs for r in rows] == [{"ชื่อ": "สมชาย"}, None, [], {"a": None}, "x", None]
    assert {(r.lgu_code, r.run_id, r.srid) for r in rows} == {("501004", None, 32647)}
    assert [r.x for r in rows] == [0.0, 1.0, 2.0, 3.0, 4.0, 9.0]


def test_copy_columns_refuses_a_batch_of_the_wrong_shape(clean_db: Engine) -> None:
    with clean_db.begin() as conn:
        t = open_tables(conn)
        with copy_columns(conn, t.parcels, ["parcel_code", "parcel_code_norm"]) as write:
            with pytest.raises(ValueError, match="expected 2 columns"):
                write([pa.array(["P1"])])
            with pytest.raises(ValueError, match="'parcel_code_norm' has 2 values, expected 1"):
                write([pa.array(["P1"]), pa.array(["P1", "P2"])])


def test_small_batches_keep_the_first_of_repeated_codes_across_batches(
    clean_db: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Index deferral from one feature on: the bulk path (drop, COPY, rebuild) runs on a tiny file.
    monkeypatch.setattr(vector, "_DEFER_INDEXES_FROM", 1)
    x, y = chiang_mai_xy(32647)
    codes = ["A", "B", "C", "A", "D", "B", "E"]  # 'A' and 'B' come back in later batches
    shp = write_vector(
        tmp_path / "p.shp",
        [{"PCODE": c} for c in codes],
        [utm_square(x + 30 * i, y) for i in range(len(codes))],
        crs=32647,
    )

    report = load_vector(clean_db, shp, kind="parcels", settings=SETTINGS, batch_size=2)

    assert (report.n_read, report.n_loaded, report.n_rejected) == (7, 5, 2)
    stored = _rows(clean_db, "SELECT parcel_code, ST_XMin(geom) AS x FROM parcels ORDER BY id")
    assert [r.parcel_code for r in stored] == ["A", "B", "C", "D", "E"]
    assert stored[0].x == pytest.approx(x)  # the first 'A' loaded, not the one in batch 2
    rejects = _rows(clean_db, "SELECT feature_id, reason FROM rejects ORDER BY feature_id::int")
    assert [(r.feature_id, r.reason.split(";")[1].strip()) for r in rejects] == [
        ("3", "feature 0 has the same code and was loaded"),
        ("5", "feature 1 has the same code and was loaded"),
    ]
    indexes = {
        r.indexname
        for r in _rows(clean_db, "SELECT indexname FROM pg_indexes WHERE tablename = 'parcels'")
    }
    assert {
        "parcels_code_uq",
        "parcels_norm_idx",
        "parcels_geom_gist",
    } <= indexes
    (run,) = _rows(clean_db, "SELECT source_hash FROM load_runs WHERE id = :id", id=report.run_id)
    sidecars = sorted(f for f in tmp_path.iterdir() if f.stem == "p")
    assert run.source_hash == hashlib.sha256(b"".join(f.read_bytes() for f in sidecars)).hexdigest()


def _constraints(engine: Engine, table: str) -> set[tuple[str, str]]:
    sql = (
        "SELECT conname, pg_get_constraintdef(oid) AS definition FROM pg_constraint "
        "WHERE conrelid = CAST(:table AS regclass)"
    )
    return {(r.conname, r.definition) for r in _rows(engine, sql, table=table)}


def test_bulk_load_puts_back_every_key_it_set_aside(
    clean_db: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The bulk path drops the primary key and the unique constraint while copying.
    monkeypatch.setattr(vector, "_DEFER_INDEXES_FROM", 1)
    before = _constraints(clean_db, "parcels")
    assert {"parcels_pkey", "parcels_code_uq"} <= {n for n, _ in before}
    x, y = chiang_mai_xy(32647)
    shp = write_vector(
        tmp_path / "p.shp",
        [{"PCODE": c} for c in ("A", "B", "")],
        [utm_square(x + 30 * i, y) for i in range(3)],
        crs=32647,
    )

    load_vector(clean_db, shp, kind="parcels", settings=SETTINGS)
    assert _constraints(clean_db, "parcels") == before
    with pytest.raises(vector.InputError, match="--strict"):  # fails after the COPY
        load_vector(clean_db, shp, kind="parcels", settings=SETTINGS, strict=True)
    assert _constraints(clean_db, "parcels") == before
    # Both keys are enforced again: a repeated id, a repeated code are refused.
    with pytest.raises(sa.exc.IntegrityError, match="parcels_pkey"), clean_db.begin() as c:
        c.execute(sa.text("INSERT INTO parcels SELECT * FROM parcels LIMIT 1"))
    with pytest.raises(sa.exc.IntegrityError, match="parcels_code_uq"), clean_db.begin() as c:
        c.execute(sa.text(
            "INSERT INTO parcels (lgu_code, parcel_code, parcel_code_norm, geom) "
            "SELECT lgu_code, parcel_code, parcel_code_norm, geom FROM parcels LIMIT 1"
        ))


def test_bulk_load_keeps_a_primary_key_another_table_refers_to(
    clean_db: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(vector, "_DEFER_INDEXES_FROM", 1)
    with clean_db.begin() as conn:
        conn.execute(sa.text("CREATE TABLE parcel_notes (parcel_id bigint REFERENCES parcels)"))
    before = _constraints(clean_db, "parcels")
    x, y = chiang_mai_xy(32647)
    shp = write_vector(tmp_path / "p.shp", [{"PCODE": "A"}], [utm_square(x, y)], crs=32647)

    report = load_vector(clean_db, shp, kind="parcels", settings=SETTINGS)

    assert report.n_loaded == 1
    assert _constraints(clean_db, "parcels") == before
    assert _constraints(clean_db, "parcel_notes") != set()  # its foreign key was not dropped

import pytest
import sqlalchemy as sa

from gisrev.db import init_db, make_engine
from gisrev.db.schema import SCHEMA_VERSION, open_tables
from gisrev.errors import DatabaseError


def test_init_is_safe_to_repeat_and_records_version(engine):
    init_db(engine, srid=32647)
    init_db(engine, srid=32647)
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT version, working_srid FROM schema_version")).all()
    assert rows == [(SCHEMA_VERSION, 32647)]


def test_every_table_carries_lgu_code_and_geometry_has_working_srid(engine):
    t = open_tables(engine)
    data_tables = [t.parcels, t.buildings, t.zones, t.register, t.findings, t.load_runs, t.rejects,
                   t.municipalities]
    assert all("lgu_code" in table.c for table in data_tables)
    with engine.connect() as conn:
        srids = dict(conn.execute(sa.text(
            "SELECT f_table_name, srid FROM geometry_columns WHERE f_geometry_column = 'geom'"
        )).all())
    # Tables and the QGIS views alike: every layer QGIS sees is in the working CRS.
    assert srids == {
        "parcels": 32647, "buildings": 32647, "zones": 32647,
        "findings_map": 32647, "zone_summary": 32647,
    }


def test_gist_indexes_exist(engine):
    with engine.connect() as conn:
        names = set(conn.execute(sa.text(
            "SELECT indexname FROM pg_indexes WHERE indexdef ILIKE '%USING gist%'"
        )).scalars())
    assert {"parcels_geom_gist", "buildings_geom_gist", "zones_geom_gist"} <= names


def test_init_with_another_srid_names_both(engine):
    with pytest.raises(DatabaseError, match="EPSG:32647, not EPSG:32648"):
        init_db(engine, srid=32648)


def test_server_down_says_how_to_start_it():
    with pytest.raises(DatabaseError, match="pg_ctlcluster 15 main start"):
        make_engine("postgresql://nobody:x@127.0.0.1:1/none")


def test_cli_db_init_prints_version(gisrev_cli):
    result = gisrev_cli("db", "init")
    assert result.code == 0, result.err
    assert f"schema version {SCHEMA_VERSION}" in result.out


def test_cli_bad_database_url_is_one_line_exit_2(gisrev_cli):
    result = gisrev_cli("--db", "mysql://x@y/z", "db", "init")
    assert result.code == 2
    assert result.err.count("\n") == 1
    assert "not a PostgreSQL URL" in result.err


def test_init_upgrades_a_version_1_database_in_place(engine):
    # A database made by gisrev 0.1 (schema version 1): findings had no zone_id yet.
    with engine.begin() as conn:
        conn.execute(sa.text("ALTER TABLE findings DROP COLUMN zone_id CASCADE"))
        conn.execute(sa.text("UPDATE schema_version SET version = 1"))
        conn.execute(sa.text("CREATE INDEX parcels_deed_idx ON parcels (lgu_code, deed_no)"))
        conn.execute(sa.text("ALTER TABLE register ADD CONSTRAINT register_run_id_fkey "
                             "FOREIGN KEY (run_id) REFERENCES load_runs (id)"))
    init_db(engine, srid=32647)
    with engine.connect() as conn:
        version = conn.execute(sa.text("SELECT version FROM schema_version")).scalar_one()
        columns = set(conn.execute(sa.text(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'findings'"
        )).scalars())
        views = set(conn.execute(sa.text(
            "SELECT table_name FROM information_schema.views WHERE table_schema = 'public'"
        )).scalars())
        indexes = set(conn.execute(sa.text(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'parcels'"
        )).scalars())
        foreign_keys = set(conn.execute(sa.text(
            "SELECT conname FROM pg_constraint WHERE contype = 'f' "
            "AND confrelid = CAST('load_runs' AS regclass)"
        )).scalars())
    assert version == SCHEMA_VERSION == 6
    assert "zone_id" in columns
    assert "parcels_deed_idx" not in indexes and "parcels_code_uq" in indexes  # v4
    assert foreign_keys == {"rejects_run_id_fkey"}  # v4: only rejects still refer to runs
    assert {"findings_map", "zone_summary"} <= views  # recreated after the upgrade


def test_init_upgrades_a_version_4_database_in_place_keeping_its_data(clean_db):
    # A database made by gisrev before the municipalities table (schema version 4).
    with clean_db.begin() as conn:
        conn.execute(sa.text("DROP TABLE municipalities"))
        conn.execute(sa.text("UPDATE schema_version SET version = 4"))
        run_id = conn.execute(sa.text(
            "INSERT INTO load_runs (lgu_code, kind, source, source_hash) "
            "VALUES ('501004', 'register', 'r.csv', 'x') RETURNING id"
        )).scalar_one()
        conn.execute(sa.text(
            "INSERT INTO register (lgu_code, tax_year, parcel_code, parcel_code_norm, run_id) "
            "VALUES ('501004', 2023, 'ชม-001', 'ชม001', :run)"
        ), {"run": run_id})
    init_db(clean_db, srid=32647)
    with clean_db.connect() as conn:
        version = conn.execute(sa.text("SELECT version FROM schema_version")).scalar_one()
        kept = conn.execute(sa.text(
            "SELECT lgu_code, tax_year, parcel_code, run_id FROM register"
        )).all()
        municipalities = conn.execute(sa.text("SELECT count(*) FROM municipalities")).scalar()
    assert version == SCHEMA_VERSION == 6
    assert kept == [("501004", 2023, "ชม-001", run_id)]
    assert municipalities == 0  # made, empty until db init or a load names a municipality


REGISTER_V6 = ("holding", "unit_no", "share", "map_sheet", "land_no", "deed_type")


def test_init_upgrades_a_version_5_register_with_the_account_fields_left_unknown(clean_db):
    # A database of schema version 5: the register had no holding, unit, share or land keys.
    with clean_db.begin() as conn:
        for column in REGISTER_V6:
            conn.execute(sa.text(f"ALTER TABLE register DROP COLUMN {column}"))
        conn.execute(sa.text("UPDATE schema_version SET version = 5"))
        conn.execute(sa.text(
            "INSERT INTO register (lgu_code, tax_year, parcel_code, parcel_code_norm) "
            "VALUES ('501004', 2023, 'ชม-001', 'ชม001')"
        ))
    try:
        init_db(clean_db, srid=32647)
        with clean_db.connect() as conn:
            version = conn.execute(sa.text("SELECT version FROM schema_version")).scalar_one()
            kept = conn.execute(sa.text(
                f"SELECT parcel_code, {', '.join(REGISTER_V6)} FROM register"
            )).all()
            kinds = dict(conn.execute(sa.text(
                "SELECT column_name, data_type FROM information_schema.columns "
                "WHERE table_name = 'register' AND column_name = ANY(:names)"
            ), {"names": list(REGISTER_V6)}).all())
    finally:  # the upgrade appended the columns: give later tests the table as init makes it
        with clean_db.begin() as conn:
            conn.execute(sa.text("DROP TABLE register CASCADE"))
        init_db(clean_db, srid=32647)
    assert version == SCHEMA_VERSION == 6
    assert kept == [("ชม-001", None, None, None, None, None, None)]  # unknown, never zero
    assert kinds == {**dict.fromkeys(REGISTER_V6, "text"), "share": "double precision"}

"""The database schema: canonical tables every step and every SQL user relies on.

Every table carries ``lgu_code`` so one database can hold a whole province.
Geometry lives in ``geom`` in the working CRS, chosen when the database is
initialised (default EPSG:32647) and read back from the database afterwards.
"""

from __future__ import annotations

import dataclasses
from importlib import resources

import sqlalchemy as sa
from geoalchemy2 import Geometry
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.engine import Connection, Engine

from gisrev.db.engine import transaction
from gisrev.db.municipalities import DEFAULT_FIELD_MIN_GAP
from gisrev.errors import DatabaseError

SCHEMA_VERSION = 6


@dataclasses.dataclass(frozen=True)
class Tables:
    """The schema's tables for one working SRID."""

    metadata: sa.MetaData
    srid: int
    schema_version: sa.Table
    municipalities: sa.Table
    load_runs: sa.Table
    rejects: sa.Table
    parcels: sa.Table
    buildings: sa.Table
    zones: sa.Table
    register: sa.Table
    analysis_runs: sa.Table
    matches: sa.Table
    findings: sa.Table
    parcel_evidence: sa.Table
    survey_visits: sa.Table


def _geom(kind: str, srid: int, *, nullable: bool = False) -> sa.Column:
    # spatial_index=False: the GiST index is declared explicitly below so its name is stable.
    return sa.Column("geom", Geometry(kind, srid=srid, spatial_index=False), nullable=nullable)


def tables(srid: int = 32647) -> Tables:
    """Build the table definitions for a working SRID."""
    md = sa.MetaData()
    lgu = lambda: sa.Column("lgu_code", sa.Text, nullable=False)  # noqa: E731
    # The load run that wrote a row. Not a foreign key: its trigger checked every row a
    # load copied (a third of a 100k-parcel load), and setting it aside for a bulk load
    # locks load_runs against every other load. The row and its run are written in one
    # transaction, and nothing deletes runs.
    run_ref = lambda: sa.Column("run_id", sa.Integer)  # noqa: E731

    schema_version = sa.Table(
        "schema_version", md,
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("working_srid", sa.Integer, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now()),
    )
    municipalities = sa.Table(
        "municipalities", md,  # one row per municipality: names and thresholds for outputs
        sa.Column("lgu_code", sa.Text, primary_key=True),
        sa.Column("name_th", sa.Text),
        sa.Column("name_en", sa.Text),
        # Baht: findings with a smaller gap go to the desk list, not to a surveyor.
        sa.Column("field_min_gap", sa.Numeric, nullable=False,
                  server_default=f"{DEFAULT_FIELD_MIN_GAP:g}"),
        sa.Column("thresholds", JSONB),  # gisrev.toml's [thresholds] and [priority]
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now()),
    )
    load_runs = sa.Table(
        "load_runs", md,
        sa.Column("id", sa.Integer, primary_key=True),
        lgu(),
        # parcels | buildings | zones | register | survey
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("layer", sa.Text),
        sa.Column("source_hash", sa.Text, nullable=False),  # sha256 of the source's bytes
        sa.Column("started_at", sa.DateTime(timezone=True), server_default=sa.func.now()),
        sa.Column("duration_s", sa.Float),
        sa.Column("n_read", sa.Integer, nullable=False, server_default="0"),
        sa.Column("n_loaded", sa.Integer, nullable=False, server_default="0"),
        sa.Column("n_repaired", sa.Integer, nullable=False, server_default="0"),
        sa.Column("n_rejected", sa.Integer, nullable=False, server_default="0"),
        sa.Column("source_crs", sa.Text),
        sa.Column("operation", sa.Text),  # the PROJ operation used to reproject, if any
        sa.Column("options", JSONB),
        sa.Column("warnings", ARRAY(sa.Text)),
    )
    rejects = sa.Table(
        "rejects", md,
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column("run_id", sa.Integer, sa.ForeignKey("load_runs.id", ondelete="CASCADE"),
                  nullable=False),
        lgu(),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("row_no", sa.Integer),  # as a spreadsheet shows it: header is row 1
        sa.Column("feature_id", sa.Text),  # OGR feature id for vector sources
        sa.Column("field", sa.Text),
        sa.Column("value", sa.Text),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Index("rejects_run_idx", "run_id"),
    )
    parcels = sa.Table(
        "parcels", md,
        sa.Column("id", sa.BigInteger, primary_key=True),
        lgu(),
        sa.Column("parcel_code", sa.Text, nullable=False),
        sa.Column("parcel_code_norm", sa.Text, nullable=False),
        sa.Column("deed_no", sa.Text),
        sa.Column("deed_type", sa.Text),
        sa.Column("observed_use", sa.Text),
        sa.Column("price_per_sqwah", sa.Float),
        sa.Column("attrs", JSONB),  # the source's other columns, kept for display
        run_ref(),
        _geom("MULTIPOLYGON", srid),
        sa.UniqueConstraint("lgu_code", "parcel_code", name="parcels_code_uq"),
        sa.Index("parcels_norm_idx", "lgu_code", "parcel_code_norm"),
        sa.Index("parcels_geom_gist", "geom", postgresql_using="gist"),
    )
    buildings = sa.Table(
        "buildings", md,
        sa.Column("id", sa.BigInteger, primary_key=True),
        lgu(),
        sa.Column("building_code", sa.Text),
        sa.Column("floors", sa.Integer),
        sa.Column("building_type", sa.Text),  # Treasury type code, e.g. '105', '506/1'
        sa.Column("use", sa.Text),  # residential | commercial | industrial | agriculture
        sa.Column("year_built", sa.Integer),  # CE
        sa.Column("structure", sa.Text),  # masonry | half | wood
        sa.Column("value", sa.Float),  # appraised value, baht
        sa.Column("attrs", JSONB),
        run_ref(),
        _geom("MULTIPOLYGON", srid),
        sa.Index("buildings_lgu_idx", "lgu_code"),
        sa.Index("buildings_geom_gist", "geom", postgresql_using="gist"),
    )
    zones = sa.Table(
        "zones", md,
        sa.Column("id", sa.BigInteger, primary_key=True),
        lgu(),
        sa.Column("zone_code", sa.Text),
        sa.Column("zone_name", sa.Text),
        sa.Column("price_per_sqwah", sa.Float, nullable=False),
        sa.Column("attrs", JSONB),
        run_ref(),
        _geom("MULTIPOLYGON", srid),
        sa.Index("zones_geom_gist", "geom", postgresql_using="gist"),
    )
    register = sa.Table(
        "register", md,
        sa.Column("id", sa.BigInteger, primary_key=True),
        lgu(),
        sa.Column("tax_year", sa.Integer, nullable=False),  # CE; BE is shown at the edges
        sa.Column("account_id", sa.Text),
        sa.Column("parcel_code", sa.Text, nullable=False),
        sa.Column("parcel_code_norm", sa.Text, nullable=False),
        sa.Column("deed_no", sa.Text),
        sa.Column("owner_name", sa.Text),
        sa.Column("owner_id", sa.Text),  # personal data: never on a map or in a log
        sa.Column("owner_type", sa.Text),  # individual | juristic
        # agriculture | residential | residential-primary | residential-primary-building |
        # residential-other | other | vacant | mixed (a sub-case kept as the register gives it)
        sa.Column("declared_use", sa.Text),
        sa.Column("declared_area_sqwah", sa.Float),
        sa.Column("land_value", sa.Float),
        sa.Column("building_value", sa.Float),
        sa.Column("exemption", sa.Float),
        sa.Column("tax_assessed", sa.Float),
        sa.Column("tax_paid", sa.Float),
        sa.Column("paid_date", sa.Date),
        # What the account holds and the Department of Lands' keys, where the register has
        # them; NULL when absent or blank (unknown, read as land+building for holding).
        sa.Column("holding", sa.Text),  # land+building | land | building | unit | share
        sa.Column("unit_no", sa.Text),  # condominium unit number (holding 'unit')
        sa.Column("share", sa.Float),  # 0 < share <= 1 of the land (holding 'share')
        sa.Column("map_sheet", sa.Text),  # ระวาง
        sa.Column("land_no", sa.Text),  # เลขที่ดิน
        sa.Column("deed_type", sa.Text),  # ประเภทเอกสารสิทธิ์, as the register writes it
        sa.Column("attrs", JSONB),
        sa.Column("source_row", sa.Integer),
        run_ref(),
        sa.Index("register_year_code_idx", "lgu_code", "tax_year", "parcel_code_norm"),
        sa.Index("register_deed_idx", "lgu_code", "deed_no"),
    )
    analysis_runs = sa.Table(
        "analysis_runs", md,
        sa.Column("id", sa.Integer, primary_key=True),
        lgu(),
        sa.Column("tax_year", sa.Integer, nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), server_default=sa.func.now()),
        sa.Column("duration_s", sa.Float),
        sa.Column("settings", JSONB),
        sa.Column("counts", JSONB),
    )
    matches = sa.Table(
        "matches", md,
        sa.Column("id", sa.BigInteger, primary_key=True),
        lgu(),
        sa.Column("tax_year", sa.Integer, nullable=False),
        sa.Column("register_id", sa.BigInteger, nullable=False),
        sa.Column("parcel_id", sa.BigInteger, nullable=False),
        sa.Column("method", sa.Text, nullable=False),  # exact | normalised | deed
        sa.Column("confidence", sa.Float, nullable=False),
        sa.Column("analysis_run_id", sa.Integer,
                  sa.ForeignKey("analysis_runs.id", ondelete="CASCADE")),
        sa.Index("matches_year_idx", "lgu_code", "tax_year"),
    )
    findings = sa.Table(
        "findings", md,
        sa.Column("id", sa.BigInteger, primary_key=True),
        lgu(),
        sa.Column("tax_year", sa.Integer, nullable=False),
        sa.Column("analysis_run_id", sa.Integer,
                  sa.ForeignKey("analysis_runs.id", ondelete="CASCADE")),
        sa.Column("parcel_id", sa.BigInteger),  # null for orphan records
        sa.Column("parcel_code", sa.Text, nullable=False),
        sa.Column("register_ids", ARRAY(sa.BigInteger)),
        sa.Column("account_id", sa.Text),
        sa.Column("deed_no", sa.Text),
        sa.Column("flags", ARRAY(sa.Text), nullable=False),
        sa.Column("reason_th", sa.Text),
        sa.Column("reason_en", sa.Text),
        sa.Column("declared_use", sa.Text),
        sa.Column("evidence_use", sa.Text),
        sa.Column("declared_area_sqwah", sa.Float),
        sa.Column("mapped_area_sqwah", sa.Float),
        sa.Column("land_value", sa.Float),
        sa.Column("building_value", sa.Float),
        sa.Column("zone_id", sa.BigInteger),  # the zones row the parcel lies in
        sa.Column("zone_code", sa.Text),
        sa.Column("expected_tax", sa.Float),
        sa.Column("tax_assessed", sa.Float),
        sa.Column("tax_paid", sa.Float),
        sa.Column("gap", sa.Float),  # baht the municipality is not collecting
        sa.Column("priority", sa.Integer),  # 1 = visit first
        sa.Column("lon", sa.Float),  # EPSG:4326 point inside the parcel
        sa.Column("lat", sa.Float),
        sa.Column("point", Geometry("POINT", srid=srid, spatial_index=False)),
        sa.Index("findings_year_idx", "lgu_code", "tax_year"),
    )
    parcel_evidence = sa.Table(
        "parcel_evidence", md,  # per analysed year, every parcel's tax input (what-if reads it)
        lgu(),
        sa.Column("tax_year", sa.Integer, nullable=False),
        sa.Column("analysis_run_id", sa.Integer,
                  sa.ForeignKey("analysis_runs.id", ondelete="CASCADE"), nullable=False),
        sa.Column("parcel_id", sa.BigInteger, nullable=False),
        sa.Column("parcel_code", sa.Text, nullable=False),
        sa.Column("zone_id", sa.BigInteger),
        sa.Column("mapped_area_sqwah", sa.Float),
        sa.Column("land_value", sa.Float, nullable=False),  # 0 where no price is known
        sa.Column("building_value", sa.Float, nullable=False),
        sa.Column("use", sa.Text, nullable=False),  # the regime's use taxed, or 'mixed'
        sa.Column("parts", JSONB),  # mixed use: regime use -> share; null otherwise
        sa.Column("owner_type", sa.Text, nullable=False),
        sa.Column("vacant_years", sa.Integer, nullable=False),
        sa.Column("registered", sa.Boolean, nullable=False),
        sa.Column("tax_assessed", sa.Float),  # null for unregistered parcels
        sa.Column("tax_paid", sa.Float),
        sa.Column("expected_tax", sa.Float, nullable=False),
        sa.PrimaryKeyConstraint("lgu_code", "tax_year", "parcel_id",
                                name="parcel_evidence_pkey"),
    )
    survey_visits = sa.Table(
        "survey_visits", md,  # what surveyors found; history is kept, never overwritten
        sa.Column("id", sa.BigInteger, primary_key=True),
        lgu(),
        sa.Column("parcel_code", sa.Text, nullable=False),
        sa.Column("parcel_code_norm", sa.Text, nullable=False),
        sa.Column("visited_at", sa.Date, nullable=False),
        sa.Column("surveyor", sa.Text),
        sa.Column("found_use", sa.Text),  # agriculture | residential | other | vacant | mixed
        sa.Column("buildings_count", sa.Integer),
        sa.Column("floors", sa.Integer),
        sa.Column("notes", sa.Text),
        sa.Column("photo", sa.Text),  # photo file name
        sa.Column("outcome", sa.Text, nullable=False),  # registered | corrected | not_found | ...
        sa.Column("lon", sa.Float),  # EPSG:4326, when the form carried a position
        sa.Column("lat", sa.Float),
        sa.Column("content_key", sa.Text, nullable=False),  # sha256 of the visit's content
        sa.Column("source", sa.Text),
        sa.Column("source_row", sa.Integer),
        run_ref(),
        sa.UniqueConstraint("lgu_code", "content_key", name="survey_visits_content_uq"),
        sa.Index("survey_visits_code_idx", "lgu_code", "parcel_code_norm", "visited_at"),
    )
    return Tables(
        metadata=md, srid=srid, schema_version=schema_version, municipalities=municipalities,
        load_runs=load_runs,
        rejects=rejects, parcels=parcels, buildings=buildings, zones=zones, register=register,
        analysis_runs=analysis_runs, matches=matches, findings=findings,
        parcel_evidence=parcel_evidence,
        survey_visits=survey_visits,
    )


def database_srid(bind: Engine | Connection) -> int | None:
    """Return the working SRID the database was initialised with, or None."""
    with transaction(bind) as conn:
        exists = conn.execute(sa.text("SELECT to_regclass('schema_version') IS NOT NULL")).scalar()
        if not exists:
            return None
        return conn.execute(sa.text("SELECT working_srid FROM schema_version LIMIT 1")).scalar()


def _view_sql() -> list[str]:
    """Return the shared functions, then the SQL files under gisrev/db/views/ in name order."""
    package = resources.files("gisrev.db")
    folder = package / "views"
    files = sorted((f for f in folder.iterdir() if f.name.endswith(".sql")), key=lambda f: f.name)
    return [(package / "functions.sql").read_text(encoding="utf-8")] + [
        f.read_text(encoding="utf-8") for f in files
    ]


# Statements that bring a database of the version before up to this version.
_UPGRADES: dict[int, tuple[str, ...]] = {
    # 2: findings know the zone row (zone codes may repeat across polygons).
    2: ("ALTER TABLE findings ADD COLUMN IF NOT EXISTS zone_id bigint",),
    # 3: parcel_evidence, a new table: create_all makes it, nothing to alter.
    # 4: nothing looks parcels up by deed number (the analysis matches deeds in a hash
    # join over its own copy of the layer), so that index only cost every load its build.
    # The run_id columns stop being foreign keys (see run_ref in tables()).
    4: (
        "DROP INDEX IF EXISTS parcels_deed_idx",
        *(
            f"ALTER TABLE {table} DROP CONSTRAINT IF EXISTS {table}_run_id_fkey"
            for table in ("parcels", "buildings", "zones", "register", "survey_visits")
        ),
    ),
    # 5: municipalities, a new table: create_all makes it, and `db init` or the next load
    # fills the configured municipality's row; every other table is left as it was.
    5: (),
    # 6: the register's optional account fields (issue 14): what an account holds and the
    # Department of Lands' keys. Nullable: a register without them keeps NULL (unknown).
    6: tuple(
        f"ALTER TABLE register ADD COLUMN IF NOT EXISTS {column} {kind}"
        for column, kind in (
            ("holding", "text"), ("unit_no", "text"), ("share", "double precision"),
            ("map_sheet", "text"), ("land_no", "text"), ("deed_type", "text"),
        )
    ),
}


def init_db(bind: Engine | Connection, *, srid: int = 32647) -> Tables:
    """Create or upgrade the schema; safe to repeat.

    An existing database keeps its working SRID: asking for another one is an
    error naming both, since geometry already stored cannot silently change CRS.
    """
    with transaction(bind) as conn:
        conn.execute(sa.text("CREATE EXTENSION IF NOT EXISTS postgis"))
        # One initialiser at a time: two concurrent `db init`s must not race.
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(hashtext('gisrev.init_db'))"))
        existing = database_srid(conn)
        if existing is not None and existing != srid:
            msg = (
                f"the database was initialised with EPSG:{existing}, not EPSG:{srid}; "
                f"keep working_srid = {existing} or initialise a new database"
            )
            raise DatabaseError(msg)
        t = tables(srid)
        t.metadata.create_all(conn, checkfirst=True)
        version = conn.execute(sa.text("SELECT max(version) FROM schema_version")).scalar()
        if version is not None and version > SCHEMA_VERSION:
            msg = (
                f"the database schema is version {version}, newer than this gisrev "
                f"(version {SCHEMA_VERSION}); upgrade gisrev"
            )
            raise DatabaseError(msg)
        if version is None:
            conn.execute(
                t.schema_version.insert().values(version=SCHEMA_VERSION, working_srid=srid)
            )
        elif version < SCHEMA_VERSION:
            for step in range(version + 1, SCHEMA_VERSION + 1):
                for sql in _UPGRADES.get(step, ()):
                    conn.execute(sa.text(sql))
            conn.execute(
                t.schema_version.update().values(version=SCHEMA_VERSION, updated_at=sa.func.now())
            )
        for sql in _view_sql():
            conn.execute(sa.text(sql))
    return t


def open_tables(bind: Engine | Connection) -> Tables:
    """Return the tables of an initialised database, with its working SRID."""
    srid = database_srid(bind)
    if srid is None:
        msg = "the database has no gisrev schema yet; run `gisrev db init` first"
        raise DatabaseError(msg)
    return tables(srid)

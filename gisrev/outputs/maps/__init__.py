"""Survey maps: offline HTML maps, work packages, worklists and printable pages.

:func:`make_maps` writes, for one tax year::

    index.html                   links to everything below
    overview.html                the whole town, one layer per finding code
    packages/package-001.html    one map per work package, numbered stops
    packages/package-001-print.html   A4 page: SVG map + visiting list
    packages/package-001.csv / .xlsx  the worklist
    desk_list.xlsx               what the office settles from papers

Work packages hold field stops only (:mod:`gisrev.db.fieldwork`): arrears, duplicate
accounts, register rows not on the map, gaps too small for a visit and parcels a survey
resolved go to the desk list. The overview still draws every finding of the year.
Every page is one file with Leaflet, the controls and the data inlined.
"""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import shapely
from sqlalchemy.engine import Connection, Engine

from gisrev.db.fieldwork import read_work
from gisrev.db.municipalities import municipality
from gisrev.db.schema import open_tables
from gisrev.db.session import connection
from gisrev.errors import InputError
from gisrev.outputs.desk_list import desk_frame, write_desk_list
from gisrev.outputs.maps._data import read_context, read_findings
from gisrev.outputs.maps._encode import FINE
from gisrev.outputs.maps._packages import partition, visiting_order
from gisrev.outputs.maps._page import build_payload, render_map
from gisrev.outputs.maps._print import IndexEntry, index_page, print_page
from gisrev.outputs.maps._tiles import resolve_tiles
from gisrev.outputs.worklist import write_worklist
from gisrev.years import be

__all__ = ["MapReport", "PackageFiles", "make_maps"]

DEFAULT_PACKAGE_SIZE = 40
_CONTEXT_TOLERANCE_M = 0.5  # simplification of the faint layers
_PACKAGE_MARGIN_M = 120.0  # context shown around a package's parcels


@dataclasses.dataclass(frozen=True)
class PackageFiles:
    """One work package and the files written for it."""

    number: int
    label: str
    n_parcels: int
    gap: float
    map: Path
    print_page: Path
    csv: Path
    xlsx: Path


@dataclasses.dataclass(frozen=True)
class MapReport:
    """What :func:`make_maps` wrote."""

    out_dir: Path
    index: Path
    overview: Path
    packages: list[PackageFiles]
    desk_list: Path
    n_findings: int
    n_drawn: int
    n_orphans: int
    n_field: int
    n_desk: int
    overview_bytes: int
    duration_s: float


def make_maps(
    bind: Engine | Connection,
    out_dir: str | Path,
    *,
    year: int,
    lgu_code: str,
    packages: int | None = None,
    by: str | None = None,
    show_owner: bool = False,
    tiles: str | Path | None = None,
) -> MapReport:
    """Write the survey maps, work packages and worklists of one tax year.

    Parameters
    ----------
    bind
        Engine or connection of the PostGIS database (schema initialised, findings analysed).
    out_dir
        Folder to write into (created if missing).
    year
        Tax year, CE.
    lgu_code
        The municipality.
    packages
        About this many parcels per work package (default 40). With ``by="zone"``
        zones larger than this are split further.
    by
        ``"zone"``: one package per appraisal zone (the finding's ``zone_code``, else
        the zone containing its point).
    show_owner
        Show owner names (from the register) in popups, worklists and print pages.
        Owner ID numbers are never written.
    tiles
        Local background: URL template, z/x/y folder or MBTiles file; see
        :func:`gisrev.outputs.maps._tiles.resolve_tiles`.

    Returns
    -------
    MapReport
        Paths and counts: ``n_field`` stops in the packages, ``n_desk`` rows on the desk list.

    Raises
    ------
    InputError
        No findings for the year, or an invalid option.
    """
    started = time.perf_counter()
    _check_options(packages=packages, by=by)
    out = Path(out_dir)
    (out / "packages").mkdir(parents=True, exist_ok=True)
    tile_opts = resolve_tiles(tiles, out)
    with connection(bind) as conn:
        run = _Run(out=out, year=year, lgu_code=lgu_code,
                   town_name=municipality(conn, lgu_code).name_th, srid=open_tables(conn).srid,
                   show_owner=show_owner, tiles=tile_opts)
        df = _read_findings(conn, run)
        work = read_work(conn, lgu_code=lgu_code, year=year)
        df["field"] = [work[int(i)].field for i in df["id"]]
        df["desk"] = [work[int(i)].desk for i in df["id"]]
        # A rerun with fewer packages must not leave stale worklists behind for the field
        # (and a run that fails above must leave the maps already there alone).
        for stale in [*(out / "packages").glob("package-*"), *out.glob("orphans.*")]:
            stale.unlink()
        drawn_mask = df["geometry"].notna().to_numpy() & df["x"].notna().to_numpy()
        drawn = df[drawn_mask].reset_index(drop=True)
        field = drawn[drawn["field"].to_numpy(bool)].reset_index(drop=True)
        groups = _package_groups(field, size=packages or DEFAULT_PACKAGE_SIZE, by=by)
        overview = _write_overview(conn, run, drawn, field, groups,
                                   n_orphans=int((~drawn_mask).sum()))
        written = [
            _write_package(conn, run, number, label, field.loc[idx].reset_index(drop=True))
            for number, (label, idx) in enumerate(groups, start=1)
        ]
    desk = _write_desk(run, df, field, groups)
    index = _write_index(run, overview, written, desk=desk)
    return MapReport(
        out_dir=out,
        index=index,
        overview=overview,
        packages=written,
        desk_list=desk.path,
        n_findings=len(df),
        n_drawn=len(drawn),
        n_orphans=int((~drawn_mask).sum()),
        n_field=len(field),
        n_desk=desk.n_rows,
        overview_bytes=overview.stat().st_size,
        duration_s=time.perf_counter() - started,
    )


@dataclasses.dataclass(frozen=True)
class _Run:
    """What every step of :func:`make_maps` shares: where, which year and town, how."""

    out: Path
    year: int
    lgu_code: str
    town_name: str
    srid: int
    show_owner: bool
    tiles: dict[str, Any]

    @property
    def town(self) -> str:
        """The municipality and year, as every page title ends."""
        return f"{self.town_name} · ปีภาษี {be(self.year)}"


def _check_options(*, packages: int | None, by: str | None) -> None:
    """Refuse a package size below one or an unknown grouping, naming the option."""
    if packages is not None and packages < 1:
        msg = f"--packages {packages}: expected a positive number of parcels per work package"
        raise InputError(msg)
    if by not in (None, "zone"):
        msg = f"--by {by!r}: expected 'zone'"
        raise InputError(msg)


def _read_findings(conn: Connection, run: _Run) -> pd.DataFrame:
    """Return the year's findings to draw and list; none at all is an error."""
    df = read_findings(conn, lgu_code=run.lgu_code, year=run.year, show_owner=run.show_owner)
    if df.empty:
        year_be = be(run.year)
        msg = (
            f"no findings for tax year {year_be} ({run.year}) in municipality {run.lgu_code}; "
            f"run `gisrev analyze --year {year_be}` first"
        )
        raise InputError(msg)
    return df


def _write_overview(
    conn: Connection, run: _Run, drawn: pd.DataFrame, field: pd.DataFrame,
    groups: list[tuple[str, np.ndarray]], *, n_orphans: int,
) -> Path:
    """Write ``overview.html``: the whole town, every finding, each package outlined.

    ``groups`` index the field stops ``field``, a part of ``drawn``.
    """
    orphans_note = (
        f"ไม่พบแปลงในแผนที่ {n_orphans} รายการ / {n_orphans} register rows not on the map"
        if n_orphans
        else None
    )
    context = {
        name: read_context(
            conn, name, lgu_code=run.lgu_code, year=run.year, tolerance_m=_CONTEXT_TOLERANCE_M
        )
        for name in ("parcels", "buildings")
    }
    payload = build_payload(
        drawn,
        title=f"ข้อพบ / Findings · {run.town}",
        context=context,
        show_owner=run.show_owner,
        tiles=run.tiles,
        orphans_note=orphans_note,
        packages=[
            _package_outline(number, field.loc[idx, "geometry"])
            for number, (_, idx) in enumerate(groups, start=1)
        ],
    )
    overview = run.out / "overview.html"
    overview.write_text(render_map(payload, title=f"gisrev {run.town}"), encoding="utf-8")
    return overview


def _write_package(
    conn: Connection, run: _Run, number: int, label: str, rows: pd.DataFrame
) -> PackageFiles:
    """Write one work package: its map, its printable page and its worklist."""
    xy = rows[["x", "y"]].to_numpy(float)
    order = np.empty(len(rows), dtype=np.int64)
    gaps = pd.to_numeric(rows["gap"]).to_numpy(float)  # unknown: NaN, visited last
    order[visiting_order(xy, gaps=gaps)] = np.arange(1, len(rows) + 1)
    rows["order"] = order
    box = (
        xy[:, 0].min() - _PACKAGE_MARGIN_M,
        xy[:, 1].min() - _PACKAGE_MARGIN_M,
        xy[:, 0].max() + _PACKAGE_MARGIN_M,
        xy[:, 1].max() + _PACKAGE_MARGIN_M,
    )
    ctx = {
        name: read_context(
            conn,
            name,
            lgu_code=run.lgu_code,
            year=run.year,
            tolerance_m=_CONTEXT_TOLERANCE_M,
            box=box,
            srid=run.srid,
            # Other packages' parcels stay visible here, faintly.
            exclude=[int(i) for i in rows["parcel_id"]],
        )
        for name in ("parcels", "buildings")
    }
    stem = run.out / "packages" / f"package-{number:03d}"
    title = " · ".join(filter(None, [f"ชุดงาน / Package {number}", label, run.town]))
    page = build_payload(
        rows,
        title=title,
        context=ctx,
        show_owner=run.show_owner,
        tiles=run.tiles,
        order=rows["order"].tolist(),
        context_scale=FINE,
    )
    map_path = stem.with_suffix(".html")
    map_path.write_text(render_map(page, title=f"gisrev {title}"), encoding="utf-8")
    print_path = stem.parent / f"{stem.name}-print.html"
    subtitle = f"{len(rows)} แปลง / parcels · ส่วนต่างรวม / total gap {rows['gap'].sum():,.2f} บาท"
    print_path.write_text(
        print_page(rows, ctx["parcels"], title=title, subtitle=subtitle,
                   show_owner=run.show_owner),
        encoding="utf-8",
    )
    csv_path, xlsx_path = write_worklist(
        rows, stem, show_owner=run.show_owner, title=f"package {number}"
    )
    return PackageFiles(
        number=number,
        label=label,
        n_parcels=len(rows),
        gap=float(rows["gap"].sum()),
        map=map_path,
        print_page=print_path,
        csv=csv_path,
        xlsx=xlsx_path,
    )


@dataclasses.dataclass(frozen=True)
class _Desk:
    path: Path
    n_rows: int


def _write_desk(
    run: _Run, df: pd.DataFrame, field: pd.DataFrame, groups: list[tuple[str, np.ndarray]]
) -> _Desk:
    """Write ``desk_list.xlsx``: every finding with desk work, a field stop's package beside."""
    package = {int(i): number for number, (_, idx) in enumerate(groups, start=1)
               for i in field.loc[idx, "id"]}
    rows = df.assign(package=[package.get(int(i), np.nan) for i in df["id"]])
    frame = desk_frame(rows, show_owner=run.show_owner)
    path = write_desk_list(frame, run.out / "desk_list.xlsx",
                           title=f"งานสำนักงาน {be(run.year)}")
    return _Desk(path=path, n_rows=len(frame))


def _write_index(
    run: _Run, overview: Path, written: list[PackageFiles], *, desk: _Desk
) -> Path:
    """Write ``index.html``, linking the overview, every package's files and the desk list."""
    index = run.out / "index.html"
    entries = [
        IndexEntry(
            number=p.number,
            n_parcels=p.n_parcels,
            gap=p.gap,
            label=p.label,
            files={"map": p.map, "print": p.print_page, "CSV": p.csv, "XLSX": p.xlsx},
        )
        for p in written
    ]
    label = (f"งานสำนักงาน (ไม่ต้องออกสำรวจ) {desk.n_rows} รายการ / "
             f"desk list (no visit needed): {desk.n_rows} findings")
    index.write_text(
        index_page(run.out, title=f"gisrev · {run.town}", overview=overview, entries=entries,
                   extra={label: {"XLSX": desk.path}}),
        encoding="utf-8",
    )
    return index


def _package_outline(number: int, geoms: pd.Series) -> dict[str, object]:
    """Outline (convex hull, lat/lon) and link of one work package for the overview."""
    hull = shapely.convex_hull(shapely.GeometryCollection(list(geoms)))
    hull = shapely.convex_hull(shapely.buffer(hull, 0.00005, quad_segs=2))  # ~5 m round it
    ring = np.round(shapely.get_coordinates(hull)[:-1, ::-1], 6).tolist()
    return {
        "n": number,
        "count": len(geoms),
        "href": f"packages/package-{number:03d}.html",
        "hull": ring,
    }


def _package_groups(
    drawn: pd.DataFrame, *, size: int, by: str | None
) -> list[tuple[str, np.ndarray]]:
    """Split the drawn findings into work packages: (label, row indices) in order."""
    xy = drawn[["x", "y"]].to_numpy(float)
    if by == "zone":
        zones = drawn["zone_code"].fillna("").astype(str)
        groups = []
        for zone in sorted(zones.unique()):
            idx = np.flatnonzero((zones == zone).to_numpy())
            parts = partition(xy[idx], size=size)
            k = int(parts.max()) + 1
            for p in range(k):
                name = f"โซน / zone {zone or '–'}" + (f" ({p + 1}/{k})" if k > 1 else "")
                groups.append((name, idx[parts == p]))
        return groups
    labels = partition(xy, size=size)
    return [("", np.flatnonzero(labels == p)) for p in range(int(labels.max(initial=-1)) + 1)]

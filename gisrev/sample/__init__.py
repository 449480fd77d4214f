"""A deterministic sample town near Chiang Mai, with planted problems and their ground truth.

>>> from gisrev.sample import generate_town
>>> town = generate_town("/tmp/town", parcels=300, seed=1)   # doctest: +SKIP
>>> town.findings[2566]["UNREGISTERED"] >= 5                 # doctest: +SKIP
True

The town lies around Mae Hia (lon 98.95, lat 18.74): shophouse blocks along a main road,
residential blocks, then orchards and rice fields. Its files look like a municipality's
exports (a cp874 Shapefile in Indian 1975 / UTM 47N, a Thai-header register in XLSX and
cp874 CSV with Buddhist-era years and areas in rai-ngan-wah), and every finding code of
DESIGN.md is planted several times. ``ground_truth.csv`` gives, per tax year and parcel, the
findings, expected tax and gap the analysis must reach; it is computed in Python from the
generator's own state by the analysis rules (:mod:`gisrev.sample._truth`).

A *clean* town (``clean=True``) is the same town with no problem planted: every register row
agrees with the map, so the analysis must find nothing. With ``shapes=True`` the 2566 register
is also written in the shapes municipalities export (:data:`SHAPES`: each optional column left
out in turn, residential sub-cases named or not, cp874 CSV and XLSX) under ``shapes/<name>/``,
each with the findings its truth expects under "unknown is never zero".
"""

from __future__ import annotations

import dataclasses
import os
import time
from importlib import resources
from pathlib import Path
from typing import Literal

import numpy as np

from gisrev.errors import InputError
from gisrev.sample import _write
from gisrev.sample._build import YEARS_CE, build_town, planted_counts
from gisrev.sample._shapes import SHAPES, RegisterShape, shape_of, write_shapes
from gisrev.sample._town import build_map
from gisrev.years import be

__all__ = [
    "DEFAULT_LGU", "DEFAULT_PARCELS", "DEFAULT_SEED", "SHAPES", "RegisterShape", "SampleTown",
    "generate_town", "shape_of",
]

DEFAULT_PARCELS = 1_500
DEFAULT_SEED = 2566
DEFAULT_LGU = "501004"
_README = resources.files("gisrev.sample") / "town_readme.txt"
_XLSX_LIMIT = 100_000  # above this many parcels the 2566 register is written as CSV


@dataclasses.dataclass(frozen=True)
class SampleTown:
    """What :func:`generate_town` wrote.

    Attributes
    ----------
    path
        The town folder.
    files
        Every file written, by role: ``parcels``, ``buildings``, ``zones``, ``register_2566``,
        ``register_2567``, ``survey_2566``, ``mapping``, ``settings``, ``ground_truth``,
        ``recovered``, ``readme``.
    n_parcels, n_buildings, n_zones
        Features in each layer.
    register_rows
        Rows per register file, keyed by BE tax year.
    findings
        BE tax year -> finding code -> number of ground-truth rows carrying it.
    shapes
        Register shape name -> finding code -> expected rows carrying it (2566), for the shapes
        written under ``shapes/<name>/`` (empty unless asked for).
    recovered_baht
        Revenue recovered in 2567 from parcels flagged in 2566 (sum of recovered.csv).
    seconds
        Time taken.
    """

    path: Path
    files: dict[str, Path]
    n_parcels: int
    n_buildings: int
    n_zones: int
    register_rows: dict[int, int]
    findings: dict[int, dict[str, int]]
    recovered_baht: float
    seconds: float
    clean: bool = False
    shapes: dict[str, dict[str, int]] = dataclasses.field(default_factory=dict)


def generate_town(
    out: str | os.PathLike[str],
    /,
    *,
    parcels: int = DEFAULT_PARCELS,
    seed: int = DEFAULT_SEED,
    lgu_code: str = DEFAULT_LGU,
    vector_format: Literal["shp", "gpkg", "fgb"] = "shp",
    register_format: Literal["xlsx", "csv"] | None = None,
    clean: bool = False,
    shapes: bool | tuple[RegisterShape, ...] = False,
) -> SampleTown:
    """Generate a sample town into a folder (created if needed; its town files are replaced).

    Parameters
    ----------
    out
        Folder to write.
    parcels
        Number of parcels (at least 100, so every finding can be planted several times).
    seed
        Seed of the random generator: the same seed gives the same files.
    lgu_code
        Municipality code written to the town's ``gisrev.toml``.
    vector_format
        Format of the parcel layer: ``shp`` (cp874 Shapefile, as municipalities have it),
        ``gpkg`` or ``fgb`` for big towns (a Shapefile's .dbf stops at 2 GB).
    register_format
        Format of the 2566 register; default XLSX up to 100,000 parcels, else CSV.
        The 2567 register is always a cp874 CSV.
    clean
        Plant no problem: the same town with every register row agreeing with the map.
    shapes
        Also write the 2566 register in every shape of :data:`SHAPES` (or in the shapes
        given), each with its expected findings, under ``shapes/<name>/``.

    Returns
    -------
    SampleTown
        The files written and the counts of what was planted.

    Raises
    ------
    InputError
        When ``parcels`` is below 100 or a format is unknown.
    """
    _check_options(parcels, vector_format, register_format)
    started = time.perf_counter()
    path = Path(out)
    path.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    town = build_town(parcels, rng, build_map(parcels, rng), clean=clean)

    reg_fmt = register_format or ("xlsx" if parcels <= _XLSX_LIMIT else "csv")
    y0, y1 = YEARS_CE
    for stale in (path / "register_2566.xlsx", path / "register_2566.csv"):
        stale.unlink(missing_ok=True)
    files = {
        "parcels": _write.write_parcels(town, path, vector_format),
        "buildings": _write.write_buildings(town, path),
        "zones": _write.write_zones(town, path),
        "register_2566": _write.write_register(town.registers[y0], path / "register_2566", reg_fmt),
        "register_2567": _write.write_register(town.registers[y1], path / "register_2567", "csv"),
    }
    survey, truth, recovered, mapping = _write.write_tables(town, path)
    files |= {"survey_2566": survey, "ground_truth": truth, "recovered": recovered,
              "mapping": mapping, "settings": _write.write_settings(path, lgu_code)}
    findings = {be(y): planted_counts(town.truth[y]) for y in YEARS_CE}
    written: dict[str, dict[str, int]] = {}
    if shapes is not False:
        written = write_shapes(town, path / "shapes", SHAPES if shapes is True else shapes)
    result = SampleTown(
        path=path,
        files=files,
        n_parcels=len(town.parcels),
        n_buildings=len(town.buildings),
        n_zones=len(town.zones),
        register_rows={be(y): len(town.registers[y]) for y in YEARS_CE},
        findings=findings,
        recovered_baht=round(float(town.recovered["recovered_baht"].sum()), 2),
        seconds=0.0,
        clean=clean,
        shapes=written,
    )
    readme = path / "README.md"
    readme.write_text(_readme(result, seed=seed, town_survey=len(town.survey)), encoding="utf-8")
    files["readme"] = readme
    return dataclasses.replace(result, seconds=round(time.perf_counter() - started, 2))


def _check_options(parcels: int, vector_format: str, register_format: str | None) -> None:
    if parcels < 100:
        msg = f"--parcels {parcels}: expected at least 100 so every finding can be planted"
        raise InputError(msg)
    if vector_format not in ("shp", "gpkg", "fgb"):
        msg = f"vector format {vector_format!r}: expected shp, gpkg or fgb"
        raise InputError(msg)
    if register_format not in (None, "xlsx", "csv"):
        msg = f"register format {register_format!r}: expected xlsx or csv"
        raise InputError(msg)


def _readme(town: SampleTown, *, seed: int, town_survey: int) -> str:
    rows = "\n".join(
        f"| `{code}` | {town.findings[2566][code]} | {town.findings[2567][code]} |"
        for code in town.findings[2566]
    )
    names = {k: v.name for k, v in town.files.items()}
    shape_rows = "\n".join(
        f"| `shapes/{name}/` | {', '.join(f'{c} {n}' for c, n in counts.items() if n) or 'none'} |"
        for name, counts in town.shapes.items()
    )
    shapes = (
        "\n## The 2566 register in other shapes\n\n"
        "Each folder holds the same accounts as another municipality's export would give them "
        "(a column left out, residential sub-cases named, CSV or XLSX), a `mapping.toml` for its "
        "columns and `expected_2566.csv`: the findings the rules of README.md's \"What each "
        "finding needs\" expect from it.\n\n| shape | expected findings |\n|---|---|\n"
        + shape_rows + "\n"
    ) if town.shapes else ""
    kind = (
        "A clean town: no problem is planted, every register row agrees with the map, and the "
        "analysis must find nothing.\n\n" if town.clean else ""
    )
    return _README.read_text(encoding="utf-8").format(
        kind=kind, shapes=shapes, rows=rows, seed=seed, n_survey=town_survey,
        n_parcels=town.n_parcels,
        n_buildings=town.n_buildings, n_zones=town.n_zones, recovered=town.recovered_baht,
        rows_2566=town.register_rows[2566], rows_2567=town.register_rows[2567],
        parcels_file=names["parcels"], buildings_file=names["buildings"],
        zones_file=names["zones"], register_2566_file=names["register_2566"],
        register_2567_file=names["register_2567"], survey_file=names["survey_2566"],
    )

"""The sample town's map: road grid, blocks of irregular parcels, buildings and appraisal zones.

Everything is built in EPSG:32647 (UTM 47N, the working CRS) with vectorised numpy and
shapely, one array operation per block class, so a million parcels take seconds.

The town is a grid of *slots* (a block plus half of the roads around it) ordered outwards
from the crossroads of two main roads. The first slots are shophouse blocks, then
residential blocks, then orchards and rice fields; the last slot is cut short so the town
has exactly the number of parcels asked for.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer

# Where the town's main crossroads lies: Mae Hia, south-west of Chiang Mai.
CENTRE_LONLAT = (98.95, 18.74)
SLOT_W, SLOT_H = 130.0, 70.0  # metres, road centreline to road centreline
MAIN_ROAD_W, LOCAL_ROAD_W = 20.0, 8.0

# Share of the parcels in each ring class (core shophouses, residential, farmland).
CORE_SHARE, RESIDENTIAL_SHARE = 0.40, 0.48


@dataclasses.dataclass(frozen=True)
class _BlockClass:
    """How one kind of block is cut into parcels and where its buildings stand."""

    name: str
    rows: int
    cols: int
    line_jitter: float  # of a cell's width: how far dividing lines wander
    vertex_jitter: float  # of a cell's size: how far inner corners wander
    bend: float  # of a cell's size: how far a bent edge's middle vertex moves
    building_inset: float  # building footprint keeps this share of the cell from its edges


_CLASSES = (
    _BlockClass("core", 2, 34, 0.10, 0.02, 0.015, 0.06),
    _BlockClass("residential", 2, 8, 0.15, 0.06, 0.04, 0.20),
    _BlockClass("farm1", 1, 1, 0.0, 0.0, 0.0, 0.20),
    _BlockClass("farm2", 1, 2, 0.15, 0.06, 0.04, 0.20),
    _BlockClass("farm4", 2, 2, 0.15, 0.06, 0.04, 0.20),
)
_CLASS_INDEX = {c.name: i for i, c in enumerate(_CLASSES)}

# Appraisal zones: code, Thai name, price in baht per square wah.
ZONES = (
    ("Z1", "ริมถนนสายหลัก ย่านการค้า", 60_000.0),
    ("Z2", "ย่านการค้าแม่เหียะ", 30_000.0),
    ("Z3", "ริมถนนสายหลัก ชุมชน", 18_000.0),
    ("Z4", "ชุมชนชั้นใน", 10_000.0),
    ("Z5", "ชุมชนชั้นนอก", 6_500.0),
    ("Z6", "สวนลำไย", 4_500.0),
    ("Z7", "ทุ่งนา", 3_000.0),
)


@dataclasses.dataclass
class TownMap:
    """The generated map, in EPSG:32647.

    Attributes
    ----------
    parcels
        One row per parcel: ``geometry``, ``block_class``, ``zone`` (index into ZONES),
        ``cell_box`` (the cell's nominal bounds, used to place buildings), ``slot``, ``lot``.
    zones
        One row per appraisal zone: ``zone_code``, ``zone_name``, ``price_sqw``, ``geometry``.
    """

    parcels: pd.DataFrame
    zones: pd.DataFrame
    origin: tuple[float, float]


def _slot_plan(
    n_parcels: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Choose slots outwards from the centre and their block class; return (i, j, class)."""
    core, res = _CLASSES[0], _CLASSES[1]
    n_core = int(np.ceil(CORE_SHARE * n_parcels / (core.rows * core.cols)))
    n_res = int(np.ceil(RESIDENTIAL_SHARE * n_parcels / (res.rows * res.cols)))
    n_farm = int(np.ceil((1 - CORE_SHARE - RESIDENTIAL_SHARE) * n_parcels)) + 4
    n_slots = n_core + n_res + n_farm
    radius = np.sqrt(n_slots * SLOT_W * SLOT_H / np.pi) * 1.2 + 2 * SLOT_W
    ni, nj = int(np.ceil(radius / SLOT_W)), int(np.ceil(radius / SLOT_H))
    grid_i, grid_j = np.meshgrid(np.arange(-ni, ni), np.arange(-nj, nj), indexing="ij")
    ii, jj = grid_i.ravel(), grid_j.ravel()
    cx, cy = (ii + 0.5) * SLOT_W, (jj + 0.5) * SLOT_H
    # Ties broken by angle so the order (and hence the town) is fully determined.
    order = np.lexsort((np.arctan2(cy, cx), np.round(np.hypot(cx, cy), 6)))
    ii, jj = ii[order], jj[order]

    cls = np.full(len(ii), -1)
    cls[:n_core] = _CLASS_INDEX["core"]
    cls[n_core : n_core + n_res] = _CLASS_INDEX["residential"]
    farm_kinds = np.array([_CLASS_INDEX["farm1"], _CLASS_INDEX["farm2"], _CLASS_INDEX["farm4"]])
    rest = len(ii) - n_core - n_res
    cls[n_core + n_res :] = farm_kinds[rng.choice(3, size=rest, p=[0.45, 0.35, 0.20])]
    per_slot = np.array([_CLASSES[c].rows * _CLASSES[c].cols for c in cls])
    cum = np.cumsum(per_slot)
    last = int(np.searchsorted(cum, n_parcels))  # index of the slot that reaches n_parcels
    if last >= len(ii):
        msg = f"internal error: town grid too small for {n_parcels} parcels"
        raise RuntimeError(msg)
    keep = slice(0, last + 1)
    return ii[keep], jj[keep], cls[keep]


def _block_rects(ii: np.ndarray, jj: np.ndarray) -> np.ndarray:
    """Block bounds (x0, y0, x1, y1) inside each slot: the slot minus half of its roads."""
    x0, y0 = ii * SLOT_W, jj * SLOT_H
    x1, y1 = x0 + SLOT_W, y0 + SLOT_H
    half = lambda main: np.where(main, MAIN_ROAD_W / 2, LOCAL_ROAD_W / 2)  # noqa: E731
    # The main roads run along x = 0 and y = 0.
    return np.column_stack(
        [x0 + half(ii == 0), y0 + half(jj == 0), x1 - half(ii == -1), y1 - half(jj == -1)]
    )


def _cut_blocks(
    rects: np.ndarray, kind: _BlockClass, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Cut blocks of one class into irregular 5-8 vertex parcels.

    Returns the polygons (row-major per block) and each cell's nominal box
    (x0, y0, x1, y1) within which buildings are placed.
    """
    b, r, c = len(rects), kind.rows, kind.cols
    # Dividing lines, shared by neighbours so parcels neither overlap nor leave gaps.
    u = np.broadcast_to(np.linspace(0, 1, c + 1), (b, c + 1)).copy()
    v = np.broadcast_to(np.linspace(0, 1, r + 1), (b, r + 1)).copy()
    u[:, 1:-1] += rng.uniform(-kind.line_jitter, kind.line_jitter, (b, c - 1)) / c
    v[:, 1:-1] += rng.uniform(-kind.line_jitter, kind.line_jitter, (b, r - 1)) / r
    uu = np.broadcast_to(u[:, None, :], (b, r + 1, c + 1)).copy()
    vv = np.broadcast_to(v[:, :, None], (b, r + 1, c + 1)).copy()
    nominal_u, nominal_v = uu.copy(), vv.copy()
    # Corners wander, but corners on the block outline stay on it (roads are straight).
    ju = rng.uniform(-kind.vertex_jitter, kind.vertex_jitter, uu.shape) / c
    jv = rng.uniform(-kind.vertex_jitter, kind.vertex_jitter, vv.shape) / r
    ju[:, :, [0, -1]] = 0.0
    jv[:, [0, -1], :] = 0.0
    uu += ju
    vv += jv

    w = (rects[:, 2] - rects[:, 0])[:, None, None]
    h = (rects[:, 3] - rects[:, 1])[:, None, None]
    x = rects[:, 0][:, None, None] + uu * w
    y = rects[:, 1][:, None, None] + vv * h
    corner = np.stack([x, y], axis=-1)  # (b, r+1, c+1, 2)

    # Middle vertices: horizontal edges (b, r+1, c), vertical edges (b, r, c+1).
    hmid = (corner[:, :, :-1] + corner[:, :, 1:]) / 2
    vmid = (corner[:, :-1, :] + corner[:, 1:, :]) / 2
    hbend = rng.uniform(-kind.bend, kind.bend, hmid.shape[:3]) * (h[..., 0:1] / r)
    vbend = rng.uniform(-kind.bend, kind.bend, vmid.shape[:3]) * (w[..., 0:1] / c)
    hbend[:, [0, -1], :] = 0.0  # edges on the block outline stay straight
    vbend[:, :, [0, -1]] = 0.0
    hmid[..., 1] += hbend
    vmid[..., 0] += vbend
    hflag = rng.random(hmid.shape[:3]) < 0.45
    vflag = rng.random(vmid.shape[:3]) < 0.45
    # Every parcel gets at least one middle vertex (5 to 8 vertices in all).
    none = ~(hflag[:, :-1, :] | hflag[:, 1:, :] | vflag[:, :, :-1] | vflag[:, :, 1:])
    hflag[:, :-1, :] |= none

    ring = np.stack(
        [
            corner[:, :-1, :-1], hmid[:, :-1, :], corner[:, :-1, 1:], vmid[:, :, 1:],
            corner[:, 1:, 1:], hmid[:, 1:, :], corner[:, 1:, :-1], vmid[:, :, :-1],
            corner[:, :-1, :-1],
        ],
        axis=3,
    ).reshape(b * r * c, 9, 2)
    always = np.ones((b, r, c), dtype=bool)
    mask = np.stack(
        [always, hflag[:, :-1, :], always, vflag[:, :, 1:], always, hflag[:, 1:, :], always,
         vflag[:, :, :-1], always],
        axis=3,
    ).reshape(b * r * c, 9)
    coords = ring[mask]
    ring_offsets = np.concatenate([[0], np.cumsum(mask.sum(axis=1))])
    polys = shapely.from_ragged_array(
        shapely.GeometryType.POLYGON, coords, (ring_offsets, np.arange(b * r * c + 1))
    )

    nx0 = rects[:, 0][:, None, None] + nominal_u[:, :-1, :-1] * w
    nx1 = rects[:, 0][:, None, None] + nominal_u[:, :-1, 1:] * w
    ny0 = rects[:, 1][:, None, None] + nominal_v[:, :-1, :-1] * h
    ny1 = rects[:, 1][:, None, None] + nominal_v[:, 1:, :-1] * h
    boxes = np.stack([nx0, ny0, nx1, ny1], axis=-1).reshape(b * r * c, 4)
    return polys, boxes


def _zone_of_slots(ii: np.ndarray, jj: np.ndarray, cls: np.ndarray, dist: np.ndarray) -> np.ndarray:
    """Appraisal zone index of each slot."""
    on_main = (ii == 0) | (ii == -1)  # frontage on the north-south main road (x = 0)
    core = cls == _CLASS_INDEX["core"]
    res = cls == _CLASS_INDEX["residential"]
    farm = cls >= _CLASS_INDEX["farm1"]
    zone = np.full(len(ii), 6)  # rice fields, also every slot outside the town
    res_mid = np.median(dist[res]) if res.any() else np.inf
    farm_mid = np.median(dist[farm]) if farm.any() else np.inf
    core_mid = np.median(dist[core]) if core.any() else np.inf
    zone[farm & (dist <= farm_mid)] = 5
    zone[res & (dist > res_mid)] = 4
    zone[res & (dist <= res_mid)] = 3
    zone[res & on_main] = 2
    zone[core] = 1
    zone[core & on_main & (dist <= core_mid)] = 0  # the market stretch of the main road
    return zone


def build_map(n_parcels: int, rng: np.random.Generator) -> TownMap:
    """Lay out roads, parcels and appraisal zones for a town of ``n_parcels`` parcels.

    Parameters
    ----------
    n_parcels
        How many parcels the town has (at least 1).
    rng
        The generator all randomness comes from.

    Returns
    -------
    TownMap
        Parcels and zones in EPSG:32647.
    """
    to_utm = Transformer.from_crs(4326, 32647, always_xy=True)
    ox, oy = to_utm.transform(*CENTRE_LONLAT)
    # Round the origin so coordinates are tidy and identical on every platform.
    ox, oy = float(round(ox)), float(round(oy))

    ii, jj, cls = _slot_plan(n_parcels, rng)
    rects = _block_rects(ii, jj) + np.array([ox, oy, ox, oy])
    parts = []
    for k, kind in enumerate(_CLASSES):
        sel = np.flatnonzero(cls == k)
        if not len(sel):
            continue
        p, boxes = _cut_blocks(rects[sel], kind, rng)
        per = kind.rows * kind.cols
        parts.append(
            pd.DataFrame(
                {
                    "slot": np.repeat(sel, per),
                    "lot": np.tile(np.arange(1, per + 1), len(sel)),
                    "block_class": kind.name,
                    "geometry": p,
                    "bx0": boxes[:, 0], "by0": boxes[:, 1], "bx1": boxes[:, 2], "by1": boxes[:, 3],
                    "inset": kind.building_inset,
                }
            )
        )
    parcels = pd.concat(parts, ignore_index=True).sort_values(["slot", "lot"], kind="stable")
    parcels = parcels.iloc[:n_parcels].reset_index(drop=True)

    # Zones cover the whole grid (slots with no parcels are rice fields), so every parcel's
    # point on surface falls in exactly one zone, well inside it (zone edges run along roads).
    grid_i, grid_j = np.meshgrid(np.arange(ii.min() - 3, ii.max() + 4),
                                 np.arange(jj.min() - 3, jj.max() + 4), indexing="ij")
    gi, gj = grid_i.ravel(), grid_j.ravel()
    used = pd.Series(np.arange(len(ii)), index=pd.MultiIndex.from_arrays([ii, jj]))
    pos = used.reindex(pd.MultiIndex.from_arrays([gi, gj])).to_numpy()
    gcls = np.where(np.isnan(pos), -1, cls[np.nan_to_num(pos, nan=0).astype(int)])
    dist = np.hypot((gi + 0.5) * SLOT_W, (gj + 0.5) * SLOT_H)
    gzone = _zone_of_slots(gi, gj, gcls, dist)
    valid = ~np.isnan(pos)
    zone_by_slot = np.empty(len(ii), dtype=int)
    zone_by_slot[pos[valid].astype(int)] = gzone[valid]
    parcels["zone"] = zone_by_slot[parcels["slot"].to_numpy()]

    boxes = shapely.box(gi * SLOT_W + ox, gj * SLOT_H + oy,
                        (gi + 1) * SLOT_W + ox, (gj + 1) * SLOT_H + oy)
    zone_geoms = []
    for z in range(len(ZONES)):
        members = boxes[gzone == z]
        zone_geoms.append(shapely.coverage_union_all(members) if len(members) else None)
    zones = pd.DataFrame(
        {
            "zone_code": [z[0] for z in ZONES],
            "zone_name": [z[1] for z in ZONES],
            "price_sqw": [z[2] for z in ZONES],
            "geometry": zone_geoms,
        }
    )
    zones = zones[zones["geometry"].notna()].reset_index(drop=True)
    return TownMap(parcels=parcels, zones=zones, origin=(ox, oy))

"""The pieces behind the survey maps: packages, tours, encoding, worklists, tiles."""

from __future__ import annotations

import csv
import json
import sqlite3

import numpy as np
import openpyxl
import pandas as pd
import pytest
import shapely
from shapely import MultiPolygon, Polygon, box

from gisrev.errors import InputError
from gisrev.outputs.maps._encode import encode_geometries, pack_ints, script_json, unpack_ints
from gisrev.outputs.maps._packages import partition, visiting_order
from gisrev.outputs.maps._tiles import resolve_tiles
from gisrev.outputs.worklist import write_worklist


def decode(enc: dict) -> list[list[np.ndarray]]:
    """What the page's JavaScript does with an encoded layer."""
    f, r, c = unpack_ints(enc["f"]), unpack_ints(enc["r"]), unpack_ints(enc["c"])
    xy = np.cumsum(np.array(c, dtype=np.int64).reshape(-1, 2), axis=0) / enc["s"]
    out, k, ri = [], 0, 0
    for n_rings in f:
        rings = []
        for _ in range(n_rings):
            rings.append(xy[k : k + r[ri]])
            k += r[ri]
            ri += 1
        out.append(rings)
    return out


def test_packages_never_straddle_two_far_apart_clusters():
    rng = np.random.default_rng(1)
    west = rng.uniform(0, 100, (10, 2))
    east = rng.uniform(0, 100, (10, 2)) + np.array([5000.0, 0.0])
    labels = partition(np.vstack([west, east]), size=10)
    assert len(set(labels[:10])) == 1 and len(set(labels[10:])) == 1
    assert labels[0] != labels[10]


def test_packages_are_balanced_and_compact():
    rng = np.random.default_rng(2)
    xy = rng.uniform(0, 1000, (103, 2))
    labels = partition(xy, size=10)
    sizes = np.bincount(labels)
    assert len(sizes) == 11 and set(sizes) <= {9, 10}
    # Each package covers a small part of the town, not a stripe across it.
    for p in range(11):
        ext = np.ptp(xy[labels == p], axis=0)
        assert ext.prod() < 1000 * 1000 / 4


def test_package_size_must_be_positive():
    with pytest.raises(ValueError, match="at least 1"):
        partition(np.zeros((3, 2)), size=0)


def test_visiting_order_walks_a_street_end_to_end():
    xs = np.array([50.0, 10, 40, 0, 30, 20])
    xy = np.column_stack([xs, np.full(6, 5.0)])
    order = visiting_order(xy)
    assert xs[order].tolist() in ([0, 10, 20, 30, 40, 50], [50, 40, 30, 20, 10, 0])


def test_two_opt_is_never_longer_than_nearest_neighbour():
    rng = np.random.default_rng(3)
    xy = rng.uniform(0, 500, (40, 2))

    def length(order):
        return float(np.hypot(*np.diff(xy[order], axis=0).T).sum())

    assert sorted(visiting_order(xy).tolist()) == list(range(40))
    assert length(visiting_order(xy)) <= length(visiting_order(xy, max_passes=0)) + 1e-9


def test_a_high_gap_stop_comes_before_a_nearby_low_gap_one():
    # The biggest gap (50,000) starts the tour. East of it, 10 m and 20 m away, two stops
    # worth 250 baht; 60 m west, one worth 20,000: it comes before the nearby small ones.
    xy = np.array([[0, 0], [10, 0], [20, 0], [-60, 0]], dtype=float)
    assert visiting_order(xy, gaps=[50_000, 250, 250, 20_000]).tolist() == [0, 3, 1, 2]
    # Worth no more than they are, the west stop waits: the short walk does the near ones.
    assert visiting_order(xy, gaps=[50_000, 250, 250, 250]).tolist() == [0, 1, 2, 3]
    # Alike gaps: the walk stays a short one (end to end along a street).
    xs = np.array([50.0, 10, 40, 0, 30, 20])
    order = visiting_order(np.column_stack([xs, np.zeros(6)]), gaps=np.full(6, 500.0))
    assert np.abs(np.diff(xs[order])).sum() <= 60  # 50 m street, one step back at most


def test_value_weighted_moves_change_the_cost_by_what_they_claim():
    from gisrev.outputs.maps._packages import (
        _DISTANCE_WEIGHT,
        _best_relocation,
        _best_reversal,
        _distances,
        _weights,
    )

    def cost(order, dist, w):
        waiting = 1.0 - np.concatenate([[0.0], np.cumsum(w[order])])
        return sum(dist[order[k - 1], order[k]] * (waiting[k] + _DISTANCE_WEIGHT)
                   for k in range(1, len(order)))

    rng = np.random.default_rng(4)
    for _ in range(40):
        n = int(rng.integers(3, 10))
        dist = _distances(rng.uniform(0, 100, (n, 2)))
        w, order = _weights(rng.uniform(0, 1000, n), n), rng.permutation(n)
        base = cost(order, dist, w)
        delta, i, j = _best_reversal(order, dist, w)
        turned = np.concatenate([order[:i], order[i : j + 1][::-1], order[j + 1 :]])
        assert cost(turned, dist, w) - base == pytest.approx(delta, abs=1e-9)
        delta, a, b = _best_relocation(order, dist, w)
        moved = np.insert(np.delete(order, a), b, order[a])
        assert cost(moved, dist, w) - base == pytest.approx(delta, abs=1e-9)
        best = min(cost(np.insert(np.delete(order, x), y, order[x]), dist, w)
                   for x in range(1, n) for y in range(1, n) if x != y)
        assert best - base == pytest.approx(delta, abs=1e-9)


@pytest.mark.parametrize("values", [[0], [1, -1, 2**40, -(2**40)], list(range(-300, 300, 7))])
def test_packed_integers_round_trip(values):
    assert unpack_ints(pack_ints(values)) == values


def test_geometry_encoding_round_trips_to_a_tenth_of_a_metre():
    shell = [(100.5, 13.7), (100.5003, 13.7), (100.5003, 13.7002), (100.5, 13.7002)]
    hole = [(100.5001, 13.70005), (100.5002, 13.70005), (100.5002, 13.7001)]
    with_hole = Polygon(shell, [hole])
    multi = MultiPolygon(
        [box(100.51, 13.71, 100.5101, 13.7101), box(100.52, 13.72, 100.5201, 13.7201)]
    )
    decoded = decode(encode_geometries([with_hole, None, multi]))
    assert [len(rings) for rings in decoded] == [2, 0, 2]
    expected = [shapely.get_coordinates(r)[:-1] for r in shapely.get_rings(with_hole)]
    for got, want in zip(decoded[0], expected, strict=True):
        assert np.abs(got - want).max() <= 0.5e-6  # 1e-6 degree is about 0.1 m
    assert decoded[2][1][0].tolist() == pytest.approx([100.52, 13.72])


def test_script_json_cannot_close_the_script_block():
    data = {"owner": "</script><img src=x onerror=alert(1)> & <!--"}
    text = script_json(data)
    assert "<" not in text and ">" not in text and "&" not in text
    assert json.loads(text) == data


@pytest.fixture
def worklist_rows() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "order": [2, 1],
            "parcel_code": ["A-2", "A-1"],
            "flags": [["UNDERPAID", "ARREARS"], ["UNREGISTERED"]],
            "reason_th": ['=HYPERLINK("http://x","คลิก")', "ไม่มีในทะเบียน"],
            "reason_en": ["@SUM(A1)", "Not registered"],
            "deed_no": ["123", None],
            "lon": [100.123456789, 100.2],
            "lat": [13.5, 13.6],
            "gap": [1234.567, 0.0],
            "owner_name": ["+66 owner", "นาย ก"],
        }
    )


def test_worklist_csv_has_bom_order_and_defuses_formulas(worklist_rows, tmp_path):
    csv_path, _ = write_worklist(worklist_rows, tmp_path / "wl", show_owner=True)
    raw = csv_path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(raw.decode("utf-8-sig").splitlines()))
    assert [r["parcel_code"] for r in rows] == ["A-1", "A-2"]
    assert rows[1]["flags"] == "UNDERPAID;ARREARS"
    assert rows[1]["reason_th"].startswith("'=HYPERLINK")
    assert rows[1]["reason_en"] == "'@SUM(A1)" and rows[1]["owner_name"] == "'+66 owner"
    assert rows[1]["lon"] == "100.123457" and rows[1]["gap"] == "1234.57"
    assert rows[0]["deed_no"] == ""


def test_worklist_xlsx_keeps_formula_like_text_as_text(worklist_rows, tmp_path):
    _, xlsx_path = write_worklist(worklist_rows, tmp_path / "wl", show_owner=True)
    sheet = openpyxl.load_workbook(xlsx_path).active
    cell = sheet["D3"]
    assert cell.value == '=HYPERLINK("http://x","คลิก")' and cell.data_type == "s"
    assert sheet["I3"].value == pytest.approx(1234.57)


def test_worklist_has_no_owner_column_unless_asked(worklist_rows, tmp_path):
    csv_path, xlsx_path = write_worklist(worklist_rows, tmp_path / "wl")
    text = csv_path.read_text(encoding="utf-8-sig")
    assert "owner" not in text and "นาย ก" not in text
    assert [c.value for c in openpyxl.load_workbook(xlsx_path).active[1]][-1] == "gap"


def test_tiles_url_template_is_used_as_given(tmp_path):
    tiles = resolve_tiles("https://tiles.example/{z}/{x}/{y}.png", tmp_path)
    assert tiles["local"] == "https://tiles.example/{z}/{x}/{y}.png"


def test_tiles_folder_becomes_a_relative_template(tmp_path):
    (tmp_path / "ortho" / "17" / "102000").mkdir(parents=True)
    (tmp_path / "ortho" / "17" / "102000" / "60000.jpg").write_bytes(b"jpg")
    out = tmp_path / "maps"
    out.mkdir()
    tiles = resolve_tiles(tmp_path / "ortho", out)
    assert tiles["local"] == "../ortho/{z}/{x}/{y}.jpg" and tiles["localMaxZoom"] == 17


def test_mbtiles_are_unpacked_with_rows_flipped(tmp_path):
    db = sqlite3.connect(tmp_path / "town.mbtiles")
    db.executescript(
        "CREATE TABLE metadata (name text, value text);"
        "CREATE TABLE tiles (zoom_level int, tile_column int, tile_row int, tile_data blob);"
        "INSERT INTO metadata VALUES ('format', 'png');"
    )
    db.execute("INSERT INTO tiles VALUES (2, 1, 0, ?)", (b"png-bytes",))
    db.commit()
    db.close()
    tiles = resolve_tiles(tmp_path / "town.mbtiles", tmp_path)
    assert tiles["local"] == "tiles/{z}/{x}/{y}.png"
    assert (
        tmp_path / "tiles" / "2" / "1" / "3.png"
    ).read_bytes() == b"png-bytes"  # TMS row 0 = y 3


def test_tiles_that_are_not_a_source_say_what_is_expected(tmp_path):
    with pytest.raises(InputError, match=r"nope\.tif.*expected a URL template") as exc:
        resolve_tiles(tmp_path / "nope.tif", tmp_path)
    assert "\n" not in str(exc.value)


def test_vector_mbtiles_are_refused_not_unpacked_into_a_blank_background(tmp_path):
    # OpenMapTiles and tippecanoe write vector tiles (format pbf), which Leaflet cannot show.
    db = sqlite3.connect(tmp_path / "vector.mbtiles")
    db.executescript(
        "CREATE TABLE metadata (name text, value text);"
        "CREATE TABLE tiles (zoom_level int, tile_column int, tile_row int, tile_data blob);"
        "INSERT INTO metadata VALUES ('format', 'pbf');"
    )
    db.execute("INSERT INTO tiles VALUES (2, 1, 0, ?)", (b"pbf-bytes",))
    db.commit()
    db.close()
    with pytest.raises(InputError, match=r"vector\.mbtiles.*'pbf'.*png, jpg or webp") as exc:
        resolve_tiles(tmp_path / "vector.mbtiles", tmp_path)
    assert "\n" not in str(exc.value)
    assert not (tmp_path / "tiles").exists()


def test_a_page_with_nothing_drawn_opens_on_the_town_not_a_fixed_spot():
    # Every finding an orphan record: the overview still shows the municipality's parcels.
    from gisrev.outputs.maps._page import build_payload

    columns = ["parcel_code", "flags", "reason_th", "reason_en", "deed_no", "gap",
               "expected_tax", "tax_assessed", "tax_paid", "lon", "lat", "geometry"]
    town = [box(99.20, 16.80, 99.21, 16.81), box(99.22, 16.82, 99.23, 16.83)]  # Tak
    payload = build_payload(pd.DataFrame(columns=columns), title="t", context={"parcels": town},
                            show_owner=False, tiles={"osm": False, "local": None})
    assert payload["bounds"] == [[16.80, 99.20], [16.83, 99.23]]

"""The planners' map, gisrev.explore: a folium map that works offline and escapes every value.

A planted town is analysed for real (2566 BE = 2023 CE, 15 % off by royal decree), then its
map is saved and opened in headless Chromium with the network blocked:

- Z1 (10,000 baht a square wah) holds U-1, unregistered, 400 sq wah with a shop worth 1M:
  other, 5M at 0.3 % = 15,000 less 15 % = 12,750 expected, all of it gap;
- R-1, 100 sq wah with a shop worth 1M, declared "other", assessed 2,000 and paid 500:
  2M at 0.3 % = 6,000 less 15 % = 5,100 expected, assessed 2,000: UNDERPAID and ARREARS,
  gap 4,600. Its owner's name carries markup, and so, planted after the analysis, does its
  English reason;
- C-1 and C-2, vacant land, declared and paid as such: no finding, drawn as faint context.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from town import Town, rect

import gisrev
from gisrev.analyze import run_analysis
from gisrev.config import Settings
from gisrev.errors import InputError
from gisrev.outputs.explore import explore_map
from gisrev.outputs.explore._folium import ExploreLayers
from gisrev.tax import Property, get_regime

pytest_plugins = ["browser"]

LGU = "000000"
YEAR = 2023
EVIL = '<img src=x onerror=alert(1)></script><script>alert("x")</script>'
OWNER = "นายทดสอบ " + EVIL
READY = "document.querySelector('.gisrev-explore[data-gisrev-ready]')"


@pytest.fixture
def town(clean_db) -> Town:
    town = Town(clean_db, lgu_code=LGU, tax_year=YEAR)
    town.zone(rect(-100, -100, 600, 300), price_per_sqwah=10_000, zone_code="Z1",
              zone_name="ย่านการค้า")
    town.parcel("U-1", rect(0, 0, 40, 40))
    town.building(rect(5, 5, 10, 10), use="commercial", value=1_000_000)
    town.parcel("R-1", rect(100, 0, 20, 20))
    town.building(rect(105, 5, 10, 10), use="commercial", value=1_000_000)
    town.register("R-1", declared_use="other", declared_area_sqwah=100, land_value=1_000_000,
                  building_value=1_000_000, tax_assessed=2_000, tax_paid=500, owner_name=OWNER)
    vacant = get_regime("thai").compute(Property(YEAR, "vacant", 4_000_000.0)).tax
    for n, x in ((1, 200), (2, 300)):
        town.parcel(f"C-{n}", rect(x, 0, 40, 40))
        town.register(f"C-{n}", declared_use="vacant", declared_area_sqwah=400,
                      land_value=4_000_000, tax_assessed=vacant, tax_paid=vacant)
    run_analysis(clean_db, year=YEAR, settings=Settings(lgu_code=LGU))
    with clean_db.begin() as conn:
        conn.execute(sa.text("UPDATE findings SET reason_en = :r WHERE parcel_code = 'R-1'"),
                     {"r": "Underpaid " + EVIL})
    return town


def test_the_planted_town_has_the_hand_computed_findings(town):
    got = gisrev.findings(2566, engine=town.engine).set_index("parcel_code")
    assert got.loc["U-1", "flags"] == ["UNREGISTERED"] and got.loc["U-1", "gap"] == 12_750
    assert set(got.loc["R-1", "flags"]) == {"UNDERPAID", "ARREARS"}
    assert got.loc["R-1", "expected_tax"] == 5_100 and got.loc["R-1", "gap"] == 4_600
    assert sorted(got.index) == ["R-1", "U-1"]


@pytest.mark.browser
def test_the_saved_map_opens_offline_draws_its_layers_and_shows_markup_as_text(
    town, browser_page, tmp_path
):
    fmap = gisrev.explore(2566, engine=town.engine, show_owner=True)
    path = tmp_path / "explore.html"
    fmap.save(str(path))
    html = path.read_text(encoding="utf-8")
    assert "cdn" not in html.lower() and "<img src=x" not in html
    view = browser_page.open(path, wait_for=READY)
    box = view.page.locator(".gisrev-explore")
    assert box.get_attribute("data-gisrev-zones") == "1"
    assert box.get_attribute("data-gisrev-parcels") == "2"
    assert box.get_attribute("data-gisrev-context-parcels") == "2"  # C-1 and C-2
    assert box.get_attribute("data-gisrev-context-buildings") == "2"
    legend = view.page.locator(".gx-legend").inner_text()
    assert "Unregistered · 1" in legend and "Underpaid · 1" in legend
    layers = view.page.locator(".leaflet-control-layers-overlays").text_content()
    assert "Appraisal zones (1)" in layers and "Unregistered (1)" in layers

    # A click on R-1 opens its popup: reasons, money, owner, the markup as plain text.
    x, y = view.page.evaluate("""() => {
        const s = window.gisrevExplore.maps[0], m = s.map;
        const p = m.latLngToContainerPoint(s.centre('R-1'));
        const r = m.getContainer().getBoundingClientRect();
        return [r.left + p.x, r.top + p.y];
    }""")
    view.page.mouse.click(x, y)
    popup = view.page.locator(".leaflet-popup-content")
    popup.wait_for()
    text = popup.inner_text()
    assert "R-1" in text and "Underpaid " + EVIL in text and OWNER in text
    for shown in ("5,100.00 บาท", "2,000.00 บาท", "500.00 บาท", "4,600.00 บาท"):
        assert shown in text
    assert "Expected" in text and "Assessed" in text and "Paid" in text and "Gap" in text
    assert view.page.evaluate("document.querySelectorAll('img[src=x], .leaflet-popup script')"
                              ".length") == 0
    assert view.dialogs == [] and view.errors() == [] and view.blocked == []


@pytest.mark.browser
def test_the_context_is_drawn_only_when_zoomed_in_close(town, browser_page, tmp_path):
    path = tmp_path / "explore.html"
    gisrev.explore(YEAR, engine=town.engine).save(str(path))
    view = browser_page.open(path, wait_for=READY)
    drawn = """z => { const s = window.gisrevExplore.maps[0];
        s.map.setView(s.centre('U-1'), z, {animate: false});
        return [s.context.parcels.drawn, s.context.buildings.drawn]; }"""
    assert view.page.evaluate(drawn, 13) == [0, 0]
    assert view.page.evaluate(drawn, 17) == [2, 2]
    assert view.errors() == []


def _payload(fmap) -> dict:
    (layers,) = [c for c in fmap._children.values() if isinstance(c, ExploreLayers)]
    return layers._payload


def test_zones_carry_the_revenue_of_every_parcel_in_them(town):
    zones = _payload(gisrev.explore(YEAR, engine=town.engine, color_by="expected"))["zones"]
    vacant = get_regime("thai").compute(Property(YEAR, "vacant", 4_000_000.0)).tax
    assert zones["code"] == ["Z1"] and zones["parcels"] == [4] and zones["flagged"] == [2]
    assert zones["exp"] == [12_750 + 5_100 + 2 * vacant]
    assert zones["gap"] == [12_750 + 4_600] and zones["fgap"] == [12_750 + 4_600]
    assert zones["value"] == "expected_tax"


def test_a_big_town_draws_the_zones_and_the_parcels_with_the_largest_gap(town):
    with town.engine.connect() as conn:
        payload = _payload(explore_map(conn, YEAR, lgu_code=LGU, detail_limit=3, top=1))
    assert payload["parcels"]["code"] == ["U-1"]  # 12,750 before R-1's 4,600
    assert payload["context"] == {"parcels": None, "buildings": None}
    assert "the 1 parcels with the largest gap of 2 flagged" in payload["meta"]["notes"][0]


def test_owner_names_stay_out_unless_asked_for_and_a_bad_colour_is_refused(town):
    payload = _payload(gisrev.explore(YEAR, engine=town.engine))
    assert "owner" not in payload["parcels"] and OWNER not in str(payload)
    with pytest.raises(InputError, match=r"color_by='owner'\): expected one of gap, expected"):
        gisrev.explore(YEAR, engine=town.engine, color_by="owner")  # type: ignore[arg-type]


def test_the_notebook_output_inlines_leaflet_and_loads_nothing_from_the_web(town):
    shown = gisrev.explore(YEAR, engine=town.engine)._repr_html_()
    assert shown.startswith("<div") and "srcdoc=" in shown
    assert "https://cdn" not in shown and "code.jquery.com" not in shown
    assert "Leaflet 1.9.4" in shown and "gisrevExplore(" in shown


def test_the_vendored_leaflet_licence_ships_beside_it():
    static = Path(gisrev.__file__).parent / "outputs" / "maps" / "static"
    assert (static / "LEAFLET-LICENSE.txt").exists()


def test_geopandas_own_explore_works_on_every_geodataframe_the_api_returns(town):
    # The geopandas habit: needs mapclassify for a coloured map (ImportError without it). It
    # loads Leaflet from the web and escapes nothing, which the README says.
    found = gisrev.findings(YEAR, engine=town.engine)
    for column in (None, "gap", "flags"):
        shown = found.explore(column=column)._repr_html_()
        assert "U-1" in shown and "R-1" in shown
    zones = gisrev.zone_gaps(YEAR, engine=town.engine)
    assert "Z1" in zones.explore(column="gap")._repr_html_()


def test_a_town_without_zones_or_findings_still_gets_a_map(clean_db):
    town = Town(clean_db, lgu_code=LGU, tax_year=YEAR)
    town.parcel("C-1", rect(0, 0, 40, 40), price_per_sqwah=1_000)
    vacant = get_regime("thai").compute(Property(YEAR, "vacant", 400_000.0)).tax
    town.register("C-1", declared_use="vacant", declared_area_sqwah=400, land_value=400_000,
                  tax_assessed=vacant, tax_paid=vacant)
    run_analysis(clean_db, year=YEAR, settings=Settings(lgu_code=LGU))
    payload = _payload(gisrev.explore(YEAR, engine=clean_db))
    assert payload["zones"]["code"] == [] and payload["parcels"]["code"] == []
    assert payload["context"]["parcels"] is not None  # C-1, faint
    south, north = payload["bounds"][0][0], payload["bounds"][1][0]
    assert 10 < south < north < 20  # around C-1 in Thailand, not the whole world

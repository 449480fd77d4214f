"""The executive report shows the findings table's numbers, in Thai, escaped, in every format."""

from __future__ import annotations

import re
import shutil
import subprocess

import numpy as np
import openpyxl
import pandas as pd
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from test_api import LGU, Planted, insert_finding, plant

from gisrev.outputs.report import render_html, write_report

pytest_plugins = ["browser"]

TLWG = {"Loma", "Garuda", "Waree", "Norasi", "Kinnari", "Laksaman", "Purisa", "Sawasdee",
        "Umpush", "Tlwg Typo", "Tlwg Typist", "Tlwg Mono", "Tlwg Typewriter"}
EVIL = '<img src=x onerror="alert(1)">'
OWNER_ID = "3100500123456"  # planted in the register by test_api.plant
OWNER_NAME = "นายลับ เฉพาะ"


@pytest.fixture
def planted(clean_db: Engine) -> Planted:
    town = plant(clean_db)
    # a parcel whose code is markup, and one an XLSX reader would take for a formula
    insert_finding(clean_db, parcel_code=EVIL, parcel_id=town.parcel_ids["P-4"],
                   flags=["AREA_MISMATCH"], expected_tax=100, tax_assessed=100, tax_paid=100,
                   gap=0, zone_code="Z2", priority=5)
    insert_finding(clean_db, parcel_code="=1+1", parcel_id=town.parcel_ids["P-5"],
                   flags=["UNDECLARED_BUILDING"], expected_tax=50, tax_assessed=50,
                   tax_paid=50, gap=0, zone_code="Z2", priority=6)
    return town


def _totals(html: str) -> dict[str, float]:
    return {k: float(v) for k, v in re.findall(r'data-total="(\w+)" data-value="([\d.]+)"', html)}


def test_html_totals_are_the_findings_table_added_up(planted):
    html = render_html(planted.engine, year=2023, lgu_code=LGU)
    assert _totals(html) == {
        "gap": 7900, "expected_tax": 8950, "tax_assessed": 2350, "tax_paid": 1450,
        "flagged_parcels": 5, "parcels": 5, "findings": 6, "orphan_records": 1,
    }
    assert ">7,900</span>" in html
    assert "ปีภาษี 2566" in html and "tax year 2566 BE (2023)" in html


def test_html_lists_the_top_parcels_by_gap_without_owner_identity(planted):
    html = render_html(planted.engine, year=2023, lgu_code=LGU, top=2)
    rows = re.findall(r'<td class="parcel">([^<]*)</td>', html)
    assert rows == ["P-1", "P-2"]
    assert re.findall(r'class="num gap" data-value="([\d.]+)"', html) == ["5000.0", "2000.0"]
    assert OWNER_ID not in html and OWNER_NAME not in html


@pytest.mark.browser
def test_html_in_chromium_escapes_values_and_renders_thai_with_a_thai_font(
        planted, browser_page, tmp_path):
    out = write_report(planted.engine, tmp_path / "report.html", year=2023, lgu_code=LGU, top=20)
    view = browser_page.open(out)
    page = view.page
    assert view.errors() == [] and view.dialogs == [] and view.blocked == []
    # the markup in the parcel code is shown as text, not run
    assert EVIL in page.locator("td.parcel").all_inner_texts()
    assert page.locator("td.parcel img").count() == 0
    assert page.locator("h1").inner_text().startswith("รายงานรายได้ภาษีที่ดิน")
    # what Chromium actually drew the Thai heading with (not just what the CSS asked for)
    cdp = page.context.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    root = cdp.send("DOM.getDocument")["root"]["nodeId"]
    h1 = cdp.send("DOM.querySelector", {"nodeId": root, "selector": "h1"})["nodeId"]
    used = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": h1})["fonts"]
    thai = [f for f in used if f["familyName"] in TLWG and f["glyphCount"] > 20]
    assert thai, used
    # a missing-glyph box has a width; a real Thai font puts a combining vowel over its
    # consonant, taking (almost) no room of its own
    widths = page.evaluate("""() => ['ก', 'กิ'].map(t => {
        const s = document.createElement('span'); s.textContent = t;
        document.querySelector('h1').appendChild(s);
        const w = s.getBoundingClientRect().width; s.remove(); return w; })""")
    assert widths[0] > 3 and widths[1] - widths[0] < widths[0] / 4
    # charts and map are inline: every image is a data URI and the map has both zones
    sources = page.eval_on_selector_all("img", "els => els.map(e => e.src)")
    assert len(sources) == 4 and all(s.startswith("data:image/svg+xml;base64,") for s in sources)
    assert page.locator(".map svg path").count() == 2
    titles = page.eval_on_selector_all(".map svg title", "els => els.map(e => e.textContent)")
    assert titles[0].startswith("Z1 ในเมือง <b>centre</b>: 7,000 บาท")


@pytest.mark.browser
@pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils not installed")
def test_pdf_is_one_page_with_a_thai_font_and_the_thai_labels(planted, tmp_path):
    out = write_report(planted.engine, tmp_path / "report.pdf", year=2023, lgu_code=LGU)
    info = subprocess.run(["pdfinfo", out], capture_output=True, text=True, check=True).stdout
    assert re.search(r"Pages:\s+1\b", info)
    fonts = subprocess.run(["pdffonts", out], capture_output=True, text=True, check=True).stdout
    assert any(name in fonts for name in TLWG), fonts
    text = subprocess.run(["pdftotext", "-layout", out, "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "รายได้ที่ขาดหาย" in text and "Revenue gap" in text
    assert "7,900" in text
    # the page rasterises to something drawn, not a blank sheet
    subprocess.run(["pdftoppm", "-r", "30", "-png", "-singlefile", out, tmp_path / "page"],
                   check=True)
    from PIL import Image

    with Image.open(tmp_path / "page.png") as img:
        dark = int((np.asarray(img.convert("L")) < 128).sum())
    assert dark > 2_000


def test_xlsx_tables_hold_the_exact_values_and_text_stays_text(planted, tmp_path):
    out = write_report(planted.engine, tmp_path / "report.xlsx", year=2023, lgu_code=LGU)
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["Summary", "By finding code", "By zone", "By use",
                             "Top 5 parcels", "Findings", "By tax year"]
    summary = {row[1]: row[2] for row in wb["Summary"].iter_rows(min_row=2, values_only=True)}
    assert summary["Revenue gap (baht)"] == 7900
    assert summary["Tax year (BE)"] == 2566
    assert summary["Paid, all accounts (baht)"] == 1900
    by_flag = {r[0]: (r[3], r[4]) for r in wb["By finding code"].iter_rows(min_row=2,
                                                                            values_only=True)}
    assert by_flag["ARREARS"] == (2, 900) and by_flag["UNREGISTERED"] == (1, 5000)
    findings = pd.DataFrame(list(wb["Findings"].values)[1:], columns=next(wb["Findings"].values))
    assert findings["gap"].sum() == 7900
    assert set(findings["flags"]) >= {"UNDERPAID;USE_MISMATCH", "ORPHAN_RECORD;ARREARS"}
    formula_like = [c for row in wb["Findings"].iter_rows() for c in row if c.value == "=1+1"]
    assert formula_like and all(c.data_type == "s" for c in formula_like)
    cells = {str(c.value) for ws in wb for row in ws.iter_rows() for c in row}
    assert OWNER_ID not in cells and OWNER_NAME not in cells


def test_cli_writes_the_report_and_prints_the_gap(planted, gisrev_cli, tmp_path):
    result = gisrev_cli("report", "--year", "2566", "--out", tmp_path / "out" / "r.html")
    assert result.code == 0, result.err
    assert "6 findings, revenue gap 7,900 baht" in result.out
    assert _totals((tmp_path / "out" / "r.html").read_text(encoding="utf-8"))["gap"] == 7900


def test_cli_unknown_format_is_one_line_and_exit_2(planted, gisrev_cli, tmp_path):
    result = gisrev_cli("report", "--year", "2566", "--out", tmp_path / "r.docx")
    assert result.code == 2
    assert result.err.strip().count("\n") == 0
    assert "unknown report format '.docx'; expected .html, .pdf or .xlsx" in result.err


def test_cli_year_not_analysed_says_what_to_run(planted, gisrev_cli, tmp_path):
    result = gisrev_cli("report", "--year", "2560", "--out", tmp_path / "r.html")
    assert result.code == 2
    assert "run `gisrev analyze --year 2560` first" in result.err


def test_report_numbers_equal_the_export(planted, gisrev_cli, tmp_path):
    exported = gisrev_cli("export", "findings", "--year", "2566", "--out", tmp_path / "f.csv")
    assert exported.code == 0, exported.err
    csv = pd.read_csv(tmp_path / "f.csv", dtype={"parcel_code": str})
    html = render_html(planted.engine, year=2023, lgu_code=LGU)
    totals = _totals(html)
    assert totals["gap"] == pytest.approx(csv["gap"].sum())
    assert totals["findings"] == len(csv)
    assert totals["expected_tax"] == pytest.approx(csv["expected_tax"].fillna(0).sum())
    codes = csv["flags"].str.split(";")
    per_flag = {code: csv.loc[codes.map(lambda f, c=code: c in f), "gap"].sum()
                for code in ("UNREGISTERED", "ARREARS")}
    wb = openpyxl.load_workbook(write_report(planted.engine, tmp_path / "r.xlsx", year=2023,
                                             lgu_code=LGU))
    by_flag = {r[0]: r[4] for r in wb["By finding code"].iter_rows(min_row=2, values_only=True)}
    assert by_flag["UNREGISTERED"] == pytest.approx(per_flag["UNREGISTERED"])
    assert by_flag["ARREARS"] == pytest.approx(per_flag["ARREARS"])



def test_report_shows_revenue_recovered_from_last_years_findings(planted, tmp_path):
    # P-1 was UNREGISTERED in 2566; in 2567 it has an account assessed at 4,000 baht
    from town import Town

    reg = Town(planted.engine, lgu_code=LGU).register("P-1", tax_year=2024, tax_assessed=4000,
                                                      tax_paid=4000)
    with planted.engine.begin() as conn:
        conn.execute(sa.text(
            "INSERT INTO matches (lgu_code, tax_year, register_id, parcel_id, method, confidence)"
            " VALUES (:lgu, 2024, :reg, :pid, 'exact', 1)"
        ), {"lgu": LGU, "reg": reg, "pid": planted.parcel_ids["P-1"]})
    html = render_html(planted.engine, year=2024, lgu_code=LGU)
    assert _totals(html)["recovered"] == 4000
    assert "ได้คืนจากข้อพบปี 2566" in html and "1 แปลง · parcels" in html
    wb = openpyxl.load_workbook(write_report(planted.engine, tmp_path / "r.xlsx", year=2024,
                                             lgu_code=LGU))
    rows = list(wb["Recovered 2567"].values)
    assert rows[1][:3] == ("P-1", "UNREGISTERED", "registered") and rows[1][5] == 4000
    # 2565 was never analysed: the 2566 report says so instead of showing zero
    earlier = render_html(planted.engine, year=2023, lgu_code=LGU)
    assert "recovered" not in _totals(earlier)
    assert "ปี 2565 ยังไม่ได้วิเคราะห์ · not analysed" in earlier


def test_pdf_without_chromium_is_one_line_saying_what_to_install(planted, tmp_path):
    from gisrev.errors import GisrevError

    with pytest.raises(GisrevError, match=r"r\.pdf: printing a PDF needs Chromium.*"
                                          r"apt-get install chromium fonts-thai-tlwg"):
        write_report(planted.engine, tmp_path / "r.pdf", year=2023, lgu_code=LGU,
                     chromium=str(tmp_path / "no-such-chromium"))
    assert not (tmp_path / "r.pdf").exists()


def test_an_analysed_year_with_nothing_found_reports_zeros(planted, tmp_path):
    # A clean year is a real outcome: the report says zero rather than failing.
    with planted.engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO analysis_runs (lgu_code, tax_year) VALUES (:lgu, 2025)"),
                     {"lgu": LGU})
    html = render_html(planted.engine, year=2025, lgu_code=LGU)
    totals = _totals(html)
    assert (totals["findings"], totals["gap"], totals["parcels"]) == (0, 0, 5)
    assert re.findall(r'<td class="parcel">', html) == []
    wb = openpyxl.load_workbook(write_report(planted.engine, tmp_path / "r.xlsx", year=2025,
                                             lgu_code=LGU))
    assert len(list(wb["Findings"].values)) == 1  # the header only


def test_a_municipality_without_appraisal_zones_still_reports(planted):
    # Zones are often the last layer a municipality digitises.
    with planted.engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM zones"))
    html = render_html(planted.engine, year=2023, lgu_code=LGU)
    assert _totals(html)["gap"] == 7900
    assert "No appraisal zones loaded" in html and "<svg viewBox" not in html


def test_report_and_maps_name_the_town_from_the_municipalities_table(planted, tmp_path):
    """The names gisrev.toml gave reach the report's header and every map page's title."""
    from gisrev.outputs.maps import make_maps

    html = render_html(planted.engine, year=2023, lgu_code=LGU)
    assert "<b class=\"town\">" not in html  # nothing recorded: the code only
    with planted.engine.begin() as conn:
        conn.execute(
            sa.text("INSERT INTO municipalities (lgu_code, name_th, name_en)"
                    " VALUES (:lgu, :th, :en)"),
            {"lgu": LGU, "th": "เทศบาล <i>แม่เหียะ</i>", "en": "Mae Hia & Co"},
        )
    html = render_html(planted.engine, year=2023, lgu_code=LGU)
    assert "<b class=\"town\">เทศบาล &lt;i&gt;แม่เหียะ&lt;/i&gt;</b> · Mae Hia &amp; Co" in html
    make_maps(planted.engine, tmp_path, year=2023, lgu_code=LGU)
    index = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert "<title>gisrev · เทศบาล &lt;i&gt;แม่เหียะ&lt;/i&gt; · ปีภาษี 2566</title>" in index

"""Settings from gisrev.toml: a mistyped or misplaced value is one line naming the file and key."""

from __future__ import annotations

from pathlib import Path

import pytest

from gisrev.config import Thresholds, load_settings
from gisrev.errors import InputError


def test_settings_file_values_win_over_defaults(tmp_path: Path) -> None:
    toml = tmp_path / "gisrev.toml"
    toml.write_text(
        '[project]\nlgu_code = "501004"\n[database]\nworking_srid = 32648\n'
        "[thresholds]\narea_tolerance = 1\n[priority]\nARREARS = 2\n",
        encoding="utf-8",
    )
    settings = load_settings(toml, env={"GISREV_LGU": ""})
    assert settings.lgu_code == "501004" and settings.working_srid == 32648
    assert settings.thresholds == Thresholds(area_tolerance=1.0)
    assert settings.priority_weights == {"ARREARS": 2.0}


@pytest.mark.parametrize(
    ("toml", "expected"),
    [
        ('[database]\nworking_srid = "abc"\n', "database.working_srid = 'abc'; expected a whole"),
        ("[database]\nworking_srid = 32647.5\n", "database.working_srid = 32647.5; expected a"),
        ('[thresholds]\narea_tolerance = "ten"\n', "thresholds.area_tolerance = 'ten'; expected a"),
        ("[priority]\nUNDERPAID = true\n", "priority.UNDERPAID = True; expected a number"),
        ("[priority]\nUNDERPAYED = 2\n", "unknown priority weight(s) UNDERPAYED; expected some"),
        ("database = 3\n", "database must be a table"),
    ],
)
def test_a_bad_setting_names_the_file_and_key(tmp_path: Path, toml: str, expected: str) -> None:
    path = tmp_path / "gisrev.toml"
    path.write_text(toml, encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_settings(path, env={})
    assert str(info.value).startswith(f"{path}: ") and expected in str(info.value)
    assert "\n" not in str(info.value)


def test_cli_bad_setting_is_one_line_exit_2(gisrev_cli, tmp_path: Path) -> None:
    path = tmp_path / "gisrev.toml"
    path.write_text('[thresholds]\narea_tolerance = "ten"\n', encoding="utf-8")
    result = gisrev_cli("--config", path, "tax", "estimate", "--year", "2567", "--use", "other",
                        "--land-value", "1")
    assert result.code == 2 and "Traceback" not in result.err
    assert result.err.strip().splitlines() == [
        f"gisrev: error: {path}: thresholds.area_tolerance = 'ten'; expected a number"
    ]


def test_no_municipality_is_none_never_a_placeholder(tmp_path: Path) -> None:
    from gisrev.config import Settings
    from gisrev.errors import NoMunicipalityError

    empty = tmp_path / "gisrev.toml"
    empty.write_text('[project]\nlgu_code = " "\n', encoding="utf-8")
    assert load_settings(empty, env={"GISREV_LGU": "  "}).lgu_code is None
    assert load_settings(empty, env={}, lgu_code="").lgu_code is None
    assert load_settings(empty, env={"GISREV_LGU": "501004"}).require_lgu_code() == "501004"
    with pytest.raises(NoMunicipalityError, match=r"^no municipality given: pass --lgu CODE"):
        Settings().require_lgu_code()

"""Settings: one frozen object, read once and passed down.

Sources, later ones winning: built-in defaults, ``gisrev.toml`` in the current
directory (or the file given with ``--config``), environment variables
(``GISREV_DATABASE_URL``, ``GISREV_LGU``), then command-line options.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from gisrev.errors import InputError
from gisrev.vocab import FINDING_CODES

DEFAULT_DATABASE_URL = "postgresql://gisrev:gisrev@localhost:5432/gisrev"


@dataclasses.dataclass(frozen=True)
class Thresholds:
    """When a difference becomes a finding (defaults from DESIGN.md)."""

    underpaid_min_baht: float = 100.0
    underpaid_min_share: float = 0.10
    arrears_min_baht: float = 100.0
    arrears_min_share: float = 0.10
    area_tolerance: float = 0.10
    building_min_share: float = 0.5


@dataclasses.dataclass(frozen=True)
class Settings:
    """Everything gisrev needs to know about where it runs and how strict it is."""

    database_url: str = DEFAULT_DATABASE_URL
    working_srid: int = 32647
    lgu_code: str = "000000"
    regime: str = "thai"
    thresholds: Thresholds = dataclasses.field(default_factory=Thresholds)
    # Survey priority: findings are ranked by gap; these weights add to the gap score.
    priority_weights: Mapping[str, float] = dataclasses.field(
        default_factory=lambda: {"UNREGISTERED": 1.0, "UNDERPAID": 1.0, "ARREARS": 0.5}
    )

    def replace(self, **changes: Any) -> Settings:
        """Return a copy with some fields changed."""
        return dataclasses.replace(self, **changes)


def load_settings(
    path: str | os.PathLike[str] | None = None,
    *,
    env: Mapping[str, str] | None = None,
    **overrides: Any,
) -> Settings:
    """Read settings from a TOML file, the environment and explicit overrides.

    Parameters
    ----------
    path
        A ``gisrev.toml``. When omitted, ``./gisrev.toml`` is read if it exists.
    env
        The environment to read (default ``os.environ``).
    **overrides
        Values that win over everything else; ``None`` values are ignored.

    Examples
    --------
    >>> load_settings(env={}, lgu_code="501004").lgu_code
    '501004'
    """
    env = os.environ if env is None else env
    data: dict[str, Any] = {}
    file = Path(path) if path is not None else Path("gisrev.toml")
    if path is not None and not file.exists():
        msg = f"{file}: settings file not found; pass an existing gisrev.toml or leave --config out"
        raise InputError(msg)
    if file.exists():
        try:
            data = tomllib.loads(file.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            msg = f"{file}: not valid TOML ({exc}); fix the file or leave --config out"
            raise InputError(msg) from exc

    kwargs: dict[str, Any] = {}
    db = _section(file, data, "database")
    if "url" in db:
        kwargs["database_url"] = _value(file, "database.url", db["url"], str)
    if "working_srid" in db:
        kwargs["working_srid"] = _value(file, "database.working_srid", db["working_srid"], int)
    project = _section(file, data, "project")
    for key in ("lgu_code", "regime"):
        if key in project:
            kwargs[key] = _value(file, f"project.{key}", project[key], str)
    thresholds = _section(file, data, "thresholds")
    _check_known(file, "threshold", thresholds, [f.name for f in dataclasses.fields(Thresholds)])
    if thresholds:
        kwargs["thresholds"] = Thresholds(
            **{k: _value(file, f"thresholds.{k}", v, float) for k, v in thresholds.items()}
        )
    if "priority" in data:
        priority = _section(file, data, "priority")
        _check_known(file, "priority weight", priority, FINDING_CODES)
        kwargs["priority_weights"] = {
            k: _value(file, f"priority.{k}", v, float) for k, v in priority.items()
        }

    if env.get("GISREV_DATABASE_URL"):
        kwargs["database_url"] = env["GISREV_DATABASE_URL"]
    if env.get("GISREV_LGU"):
        kwargs["lgu_code"] = env["GISREV_LGU"]
    kwargs.update({k: v for k, v in overrides.items() if v is not None})
    return Settings(**kwargs)


def _section(file: Path, data: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    """Return the ``[name]`` table of a settings file (empty when absent)."""
    table = data.get(name, {})
    if not isinstance(table, dict):
        msg = f"{file}: {name} must be a table ([{name}] with one setting a line)"
        raise InputError(msg)
    return table


def _check_known(file: Path, what: str, table: Mapping[str, Any], known: Sequence[str]) -> None:
    unknown = set(table) - set(known)
    if unknown:
        msg = (
            f"{file}: unknown {what}(s) {', '.join(sorted(unknown))}; "
            f"expected some of {', '.join(sorted(known))}"
        )
        raise InputError(msg)


def _value(file: Path, key: str, value: Any, kind: type[int] | type[float] | type[str]) -> Any:
    """Check one setting's TOML type: a number for int and float, anything for text."""
    if kind is str and not isinstance(value, dict | list):
        return kind(value)
    if kind is float and isinstance(value, int | float) and not isinstance(value, bool):
        return kind(value)
    if kind is int and isinstance(value, int) and not isinstance(value, bool):
        return kind(value)
    expected = {int: "a whole number", float: "a number"}.get(kind, "text")
    msg = f"{file}: {key} = {value!r}; expected {expected}"
    raise InputError(msg)

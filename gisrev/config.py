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

from gisrev.errors import InputError, NoMunicipalityError
from gisrev.vocab import FINDING_CODES

DEFAULT_DATABASE_URL = "postgresql://gisrev:gisrev@localhost:5432/gisrev"
#: Baht: a finding with a smaller gap is settled at the desk, not visited (DESIGN.md).
DEFAULT_FIELD_MIN_GAP = 200.0


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
    # The municipality: --lgu, GISREV_LGU or gisrev.toml's [project] lgu_code; None when
    # none of them gives one (commands that write then refuse, see require_lgu_code).
    lgu_code: str | None = None
    regime: str = "thai"
    thresholds: Thresholds = dataclasses.field(default_factory=Thresholds)
    # Survey priority: findings are ranked by gap; these weights add to the gap score.
    priority_weights: Mapping[str, float] = dataclasses.field(
        default_factory=lambda: {"UNREGISTERED": 1.0, "UNDERPAID": 1.0, "ARREARS": 0.5}
    )
    # The municipality's names ([project] name_th, name_en), for page and print headers.
    name_th: str | None = None
    name_en: str | None = None
    # Baht ([thresholds] field_min_gap): the least gap that sends a surveyor out.
    field_min_gap: float = DEFAULT_FIELD_MIN_GAP

    def replace(self, **changes: Any) -> Settings:
        """Return a copy with some fields changed."""
        return dataclasses.replace(self, **changes)

    def require_lgu_code(self) -> str:
        """Return the municipality's code; refuse when the settings name none.

        Everything written (a load, an analysis run, a survey visit, a municipality row)
        belongs to one municipality, so writing without one is an error, never a default.

        Raises
        ------
        NoMunicipalityError
            When no municipality was given (DESIGN.md: "The municipality is explicit");
            the message says the three ways to give one.

        Examples
        --------
        >>> Settings(lgu_code="501004").require_lgu_code()
        '501004'
        >>> Settings().lgu_code is None  # so require_lgu_code() raises
        True
        """
        if self.lgu_code is None:
            raise NoMunicipalityError
        return self.lgu_code

    def thresholds_document(self) -> dict[str, dict[str, float]]:
        """Return ``[thresholds]`` (with ``field_min_gap``) and ``[priority]`` as plain data.

        Every value the analysis would use, given or default: what the ``municipalities``
        table keeps for outputs to read.

        Examples
        --------
        >>> Settings().thresholds_document()["thresholds"]["field_min_gap"]
        200.0
        """
        return {
            "thresholds": {
                **dataclasses.asdict(self.thresholds),
                "field_min_gap": self.field_min_gap,
            },
            "priority": dict(self.priority_weights),
        }


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

    kwargs = _from_file(file, data)
    names: dict[str, Any] = {k: kwargs.pop(k) for k in ("name_th", "name_en") if k in kwargs}
    file_code = kwargs.get("lgu_code")
    if env.get("GISREV_DATABASE_URL"):
        kwargs["database_url"] = env["GISREV_DATABASE_URL"]
    if env.get("GISREV_LGU", "").strip():
        kwargs["lgu_code"] = env["GISREV_LGU"]
    kwargs.update({k: v for k, v in overrides.items() if v is not None})
    if isinstance(kwargs.get("lgu_code"), str):
        # A blank code (--lgu "", lgu_code = " ") names no municipality.
        kwargs["lgu_code"] = kwargs["lgu_code"].strip() or None
    if file_code is None or file_code == kwargs.get("lgu_code"):
        # The file's names are those of its own municipality, not of another one chosen
        # with GISREV_LGU or --lgu.
        kwargs = {**names, **kwargs}
    return Settings(**kwargs)


def _from_file(file: Path, data: Mapping[str, Any]) -> dict[str, Any]:
    """Return the settings a gisrev.toml gives, checked, as keyword arguments of Settings."""
    kwargs: dict[str, Any] = {}
    db = _section(file, data, "database")
    if "url" in db:
        kwargs["database_url"] = _value(file, "database.url", db["url"], str)
    if "working_srid" in db:
        kwargs["working_srid"] = _value(file, "database.working_srid", db["working_srid"], int)
    project = _section(file, data, "project")
    for key in ("lgu_code", "regime", "name_th", "name_en"):
        if key in project:
            kwargs[key] = _value(file, f"project.{key}", project[key], str)
    thresholds = dict(_section(file, data, "thresholds"))
    known = [f.name for f in dataclasses.fields(Thresholds)]
    _check_known(file, "threshold", thresholds, [*known, "field_min_gap"])
    if "field_min_gap" in thresholds:
        gap = thresholds.pop("field_min_gap")
        kwargs["field_min_gap"] = _value(file, "thresholds.field_min_gap", gap, float)
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
    return kwargs


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

"""Settings: one frozen object, read once and passed down.

Sources, later ones winning: built-in defaults, ``gisrev.toml`` in the current
directory (or the file given with ``--config``), environment variables
(``GISREV_DATABASE_URL``, ``GISREV_LGU``), then command-line options.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from gisrev.errors import InputError

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
    db = data.get("database", {})
    if "url" in db:
        kwargs["database_url"] = str(db["url"])
    if "working_srid" in db:
        kwargs["working_srid"] = int(db["working_srid"])
    project = data.get("project", {})
    if "lgu_code" in project:
        kwargs["lgu_code"] = str(project["lgu_code"])
    if "regime" in project:
        kwargs["regime"] = str(project["regime"])
    if "thresholds" in data:
        known = {f.name for f in dataclasses.fields(Thresholds)}
        unknown = set(data["thresholds"]) - known
        if unknown:
            msg = (
                f"{file}: unknown threshold(s) {', '.join(sorted(unknown))}; "
                f"expected some of {', '.join(sorted(known))}"
            )
            raise InputError(msg)
        kwargs["thresholds"] = Thresholds(**{k: float(v) for k, v in data["thresholds"].items()})
    if "priority" in data:
        kwargs["priority_weights"] = {str(k): float(v) for k, v in data["priority"].items()}

    if env.get("GISREV_DATABASE_URL"):
        kwargs["database_url"] = env["GISREV_DATABASE_URL"]
    if env.get("GISREV_LGU"):
        kwargs["lgu_code"] = env["GISREV_LGU"]
    kwargs.update({k: v for k, v in overrides.items() if v is not None})
    return Settings(**kwargs)

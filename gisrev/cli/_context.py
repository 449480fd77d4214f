"""What every command gets: settings and a database engine, made on first use."""

from __future__ import annotations

import dataclasses
import functools
from typing import Any

import click
from sqlalchemy.engine import Engine

from gisrev.config import Settings, load_settings
from gisrev.years import tax_year


@dataclasses.dataclass
class CliContext:
    """Options of the ``gisrev`` group, turned into settings and an engine lazily."""

    database_url: str | None = None
    config_path: str | None = None
    lgu_code: str | None = None
    debug: bool = False
    _engine: Engine | None = None

    @functools.cached_property
    def settings(self) -> Settings:
        """The settings, read once."""
        return load_settings(
            self.config_path, database_url=self.database_url, lgu_code=self.lgu_code
        )

    def writing_lgu(self) -> str:
        """Return the municipality a command writes for; refuse (one line) when none is given.

        Checked before anything is read or written: no row is ever written under a
        placeholder code (DESIGN.md, "The municipality is explicit").
        """
        return self.settings.require_lgu_code()

    def reading_lgu(self, year: int | None) -> str:
        """Return the municipality a command reads: the one given, else the only one analysed.

        With none given and several analysed for ``year``, the one-line error names them
        and says to pass ``--lgu CODE``.
        """
        if self.settings.lgu_code is not None:
            return self.settings.lgu_code
        from gisrev.db.session import connection, resolve_lgu

        with connection(self.engine()) as conn:
            return resolve_lgu(conn, year, None, how="pass --lgu CODE")

    def engine(self) -> Engine:
        """Return a checked engine; the first call connects."""
        if self._engine is None:
            from gisrev.db import make_engine

            self._engine = make_engine(self.settings.database_url)
        return self._engine

    def close(self) -> None:
        """Release the engine's connections."""
        if self._engine is not None:
            self._engine.dispose()


class TaxYearType(click.ParamType):
    """A tax year given in BE (2566), CE (2023) or Thai digits; the command gets it in CE.

    A bad year is gisrev's one-line error (exit 2), the same for every ``--year``.
    """

    name = "YEAR"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        return tax_year(value)


#: The type of every ``--year`` option.
TAX_YEAR = TaxYearType()

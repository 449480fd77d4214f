"""The ``gisrev`` command line: thin commands that parse, call the library, report errors.

Errors become one line.

Each command group lives in its own module and is imported only when used, so
``gisrev tax estimate`` does not pay for geopandas.
"""

from __future__ import annotations

import importlib
import logging
import sys
import traceback
from typing import Any

import click

from gisrev.cli._context import CliContext
from gisrev.errors import GisrevError

# command name -> "module:attribute"; modules live in gisrev/cli/.
COMMANDS = {
    "db": "gisrev.cli.db:db",
    "load": "gisrev.cli.load:load",
    "analyze": "gisrev.cli.analyze:analyze",
    "export": "gisrev.cli.export:export",
    "map": "gisrev.cli.map:map_command",
    "survey": "gisrev.cli.survey:survey",
    "report": "gisrev.cli.report:report",
    "tax": "gisrev.cli.tax:tax",
    "sample": "gisrev.cli.sample:sample",
    "demo": "gisrev.cli.demo:demo",
}


class _LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        module, attr = target.split(":")
        command: click.Command = getattr(importlib.import_module(module), attr)
        return command


@click.group(cls=_LazyGroup)
@click.option("--db", "database_url", metavar="URL",
              help="PostGIS URL (default: GISREV_DATABASE_URL).")
@click.option("--config", "config_path", type=click.Path(dir_okay=False),
              help="gisrev.toml to read.")
@click.option("--lgu", "lgu_code", metavar="CODE",
              help="Local government code (default from gisrev.toml).")
@click.option("--debug", is_flag=True, help="Show tracebacks.")
@click.version_option(package_name="gisrev")
@click.pass_context
def cli(ctx: click.Context, database_url: str | None, config_path: str | None,
        lgu_code: str | None, debug: bool) -> None:
    """Find the property tax a local government is not collecting."""
    ctx.obj = CliContext(database_url=database_url, config_path=config_path,
                         lgu_code=lgu_code, debug=debug)
    ctx.call_on_close(ctx.obj.close)


def main(argv: list[str] | None = None) -> Any:
    """Run the CLI; GisrevError becomes one line on stderr and exit status 2."""
    debug = "--debug" in (argv if argv is not None else sys.argv[1:])
    if not debug:
        _quiet_driver_logs()
    try:
        return cli.main(args=argv, prog_name="gisrev", standalone_mode=False)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:  # bad arguments: click's own message
        exc.show()
        sys.exit(2)
    except click.exceptions.Abort:
        click.echo("gisrev: interrupted; nothing was written", err=True)
        sys.exit(130)
    except KeyboardInterrupt:
        click.echo("gisrev: interrupted; nothing was written", err=True)
        sys.exit(130)
    except GisrevError as exc:
        if debug:
            traceback.print_exc()
        click.echo(f"gisrev: error: {exc}", err=True)
        sys.exit(2)
    except Exception as exc:
        from gisrev.db.errors import database_failure, interrupted

        if interrupted(exc):  # Ctrl-C in a COPY surfaces as the failed rollback after it
            click.echo("gisrev: interrupted; nothing was written", err=True)
            sys.exit(130)
        message = database_failure(exc)
        if message is None:
            raise
        if debug:
            traceback.print_exc()
        click.echo(f"gisrev: error: {message}", err=True)
        sys.exit(2)


def _quiet_driver_logs() -> None:
    """Keep the pool's and driver's own error logs (with tracebacks) off the terminal.

    After a failure mid-command the pool logs its failed reset with a traceback;
    the one line main() prints already says what happened (``--debug`` shows all).
    """
    for name in ("sqlalchemy.pool", "psycopg"):
        logger = logging.getLogger(name)
        if not any(isinstance(h, logging.NullHandler) for h in logger.handlers):
            logger.addHandler(logging.NullHandler())

"""What every command shares: --config and --json, error mapping and output."""

from __future__ import annotations

import functools
import json
import logging
import os
import sys
from collections.abc import Callable, Iterable, Sequence
from typing import Any, ParamSpec, TextIO, TypeVar

import click

from gateway.app import App
from gateway.config import load_settings
from gateway.errors import GatewayError

P = ParamSpec("P")
R = TypeVar("R")


class Context:
    """Per-invocation state: the options every command takes, and the App built lazily."""

    def __init__(self, config_path: str | None, as_json: bool) -> None:
        self.config_path = config_path
        self.as_json = as_json
        self._app: App | None = None

    @property
    def app(self) -> App:
        if self._app is None:
            self._app = App(load_settings(self.config_path))
        return self._app

    @property
    def interactive(self) -> bool:
        return not self.as_json and sys.stdout.isatty()

    def emit(self, data: Any, text: str | Callable[[], str]) -> None:
        """Print one JSON document with --json, else the human-readable text."""
        if self.as_json:
            click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))
        else:
            click.echo(text() if callable(text) else text)


def command(
    group: click.Group | None = None, name: str | None = None, **attrs: Any
) -> Callable[[Callable[..., None]], click.Command]:
    """A click command with --config/--json that maps gateway errors to exit status 1."""

    def decorate(func: Callable[..., None]) -> click.Command:
        @functools.wraps(func)
        def run(config: str | None, as_json: bool, **kwargs: Any) -> None:
            logging.basicConfig(
                level=logging.INFO,
                format="%(asctime)s %(levelname)s %(name)s: %(message)s",
                stream=sys.stderr,
            )
            # aiosmtpd logs every SMTP command at INFO: keep its warnings only.
            logging.getLogger("mail.log").setLevel(logging.WARNING)
            ctx = Context(config, as_json)
            try:
                func(ctx, **kwargs)
            except GatewayError as exc:
                click.echo(f"error: {exc}", err=True)
                sys.exit(1)
            finally:
                if ctx._app is not None:
                    ctx._app.close()

        run = click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")(run)
        run = click.option(
            "--config",
            type=click.Path(dir_okay=False),
            default=None,
            help="Configuration file (default: $GATEWAY_CONFIG, else ./gateway.toml).",
        )(run)
        maker = group.command if group is not None else click.command
        return maker(name, **attrs)(run)

    return decorate


def table(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """A plain text table that lines up Vietnamese text (NFC: one code point a letter)."""
    cells = [[("" if v is None else str(v)) for v in row] for row in rows]
    widths = [len(h) for h in headers]
    for row in cells:
        for i, value in enumerate(row):
            widths[i] = min(max(widths[i], len(value)), 60)

    def line(values: Sequence[str]) -> str:
        return "  ".join(v[:60].ljust(w) for v, w in zip(values, widths, strict=False)).rstrip()

    return "\n".join([line(headers), line(["-" * w for w in widths]), *map(line, cells)])


def quiet_stream() -> TextIO:
    """Where a progress bar goes when stdout is no terminal or --json is given: nowhere."""
    return open(os.devnull, "w")  # closed at exit; click keeps it open

"""`gateway classify FILE.eml`: what would be registered from a message, with evidence.

A dry run: nothing is stored.
"""

from __future__ import annotations

from pathlib import Path

import click

from gateway.cli.common import Context, command
from gateway.config import load_settings
from gateway.errors import GatewayError
from gateway.pipeline.catalogue import cached_catalogue
from gateway.pipeline.documents import find_documents
from gateway.pipeline.parse import parse_message
from gateway.pipeline.report import findings_to_dict, findings_to_text


@command(name="classify", help="Dry run: what would be registered from FILE.eml, and why.")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def classify(ctx: Context, file: Path) -> None:
    settings = load_settings(ctx.config_path)
    try:
        raw = file.read_bytes()
    except OSError as exc:
        raise GatewayError(f"cannot read {file}: {exc.strerror or exc}; give an .eml file") from exc
    message = parse_message(
        raw, max_depth=settings.pipeline.max_depth, max_parts=settings.pipeline.max_parts
    )
    findings = find_documents(message, cached_catalogue(settings.path(settings.rules.dir)))
    ctx.emit(findings_to_dict(message, findings), lambda: findings_to_text(message, findings))

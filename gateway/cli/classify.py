"""`gateway classify FILE.eml`: what would be registered from a message, with evidence.

A dry run: nothing is stored.
"""

from __future__ import annotations

from pathlib import Path

import click

from gateway.cli.common import Context, command
from gateway.config import load_settings
from gateway.pipeline.report import findings_to_dict, findings_to_text
from gateway.pipeline.steps import read_eml


@command(name="classify", help="Dry run: what would be registered from FILE.eml, and why.")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def classify(ctx: Context, file: Path) -> None:
    message, findings = read_eml(load_settings(ctx.config_path), file)
    ctx.emit(findings_to_dict(message, findings), lambda: findings_to_text(message, findings))

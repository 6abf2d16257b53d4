"""`gateway export`: BagIt packages of a year's records for the archive, and their check."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from gateway.archive import export as archive_export
from gateway.archive import retention
from gateway.cli.common import Context, command
from gateway.errors import StorageError


@command(name="export", help="Write a year's documents as BagIt packages, or --check one.")
@click.option("--year", type=int, default=None, help="Register year to export.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder to write the packages into.")
@click.option("--check", "check_dir", type=click.Path(exists=True, path_type=Path),
              default=None, help="Validate the package(s) in this folder instead.")
def export(ctx: Context, year: int | None, out: Path | None, check_dir: Path | None) -> None:
    if check_dir is not None:
        results = archive_export.check(check_dir)
        bad = {bag: problems for bag, problems in results.items() if problems}
        lines = [f"{bag}: " + ("valid" if not problems else "INVALID")
                 + "".join(f"\n  {p}" for p in problems) for bag, problems in results.items()]
        ctx.emit({"valid": not bad, "packages": results}, "\n".join(lines))  # fmt: skip
        if bad:
            click.echo(f"error: {len(bad)} package(s) fail validation (listed above)", err=True)
            sys.exit(1)
        return
    if year is None or out is None:
        raise click.UsageError("give --year Y --out DIR (or --check DIR)")
    ctx.app.require_initialised()
    catalogue = retention.load(ctx.app.settings.path(ctx.app.settings.rules.dir))
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StorageError(f"cannot create {out}: {exc.strerror}") from exc
    with ctx.app.db.transaction() as session:
        packages = archive_export.export_year(session, ctx.app.blobs, catalogue, year, out)
    ctx.emit(
        [{"path": str(p.path), "documents": p.documents, "files": p.files} for p in packages],
        "\n".join(f"{p.path}: {p.documents} documents, {p.files} files" for p in packages),
    )

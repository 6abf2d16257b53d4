"""`gateway verify`: re-hash every blob, check the audit chain; exit 1 naming each mismatch."""

from __future__ import annotations

import sys

import click

from gateway.archive.verify import verify as run_verify
from gateway.cli.common import Context, command


@command(name="verify", help="Prove the archive is unaltered; exit 1 naming every mismatch.")
def verify(ctx: Context) -> None:
    ctx.app.require_initialised()
    with ctx.app.db.transaction() as session:
        if ctx.interactive:
            with click.progressbar(length=0, label="re-hashing blobs", show_pos=True) as bar:
                report = run_verify(session, ctx.app.blobs, lambda: bar.update(1))
        else:
            report = run_verify(session, ctx.app.blobs)

    def text() -> str:
        counts = ", ".join(f"{n} {kind}" for kind, n in report.checked.items())
        lines = [f"checked {counts}"]
        lines += [f"MISMATCH {p}" for p in report.problems]
        count = len(report.problems)
        lines.append("OK: nothing was altered" if report.ok else f"{count} mismatches")
        return "\n".join(lines)

    ctx.emit(report.as_json(), text)
    if not report.ok:
        click.echo(f"error: the archive fails verification ({len(report.problems)} mismatches, "
                   "listed above): restore the named items from a backup", err=True)  # fmt: skip
        sys.exit(1)

"""`gateway register print`: the official register book as CSV or PDF."""

from __future__ import annotations

from pathlib import Path

import click

from gateway.archive.register_book import as_json, load_book, write_csv
from gateway.cli.common import Context, command


@click.group(help="The register books (sổ đăng ký văn bản).")
def register() -> None:
    pass


@command(register, name="print", help="Print a register book (Nghị định 30, Phụ lục IV).")
@click.option("--year", type=int, required=True)
@click.option("--book", default=None, help="Book code (default: the incoming book).")
@click.option("--org", default=None, help="Organisation code (needed when there are several).")
@click.option("--format", "fmt", type=click.Choice(["csv", "pdf"]), default="csv",
              show_default=True)  # fmt: skip
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write here (default: CSV to stdout, PDF to ./so-dang-ky-ORG-BOOK-YEAR.pdf).")
def print_(ctx: Context, year: int, book: str | None, org: str | None, fmt: str,
           out: Path | None) -> None:  # fmt: skip
    ctx.app.require_initialised()
    with ctx.app.db.transaction() as session:
        register_book = load_book(session, year, org, book)
    if fmt == "pdf":
        from gateway.archive.register_pdf import write_pdf  # fpdf2: only for PDF output

        path = out or Path(f"so-dang-ky-{register_book.org_code}-{register_book.code}-{year}.pdf")
        write_pdf(register_book, path)
        ctx.emit({"path": str(path), "entries": len(register_book.entries)},
                 f"{path}: {len(register_book.entries)} entries")  # fmt: skip
    elif out is not None:
        out.write_text(write_csv(register_book), encoding="utf-8")
        ctx.emit({"path": str(out), "entries": len(register_book.entries)},
                 f"{out}: {len(register_book.entries)} entries")  # fmt: skip
    else:
        ctx.emit(as_json(register_book), lambda: write_csv(register_book).rstrip("\r\n"))

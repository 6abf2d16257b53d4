"""`gateway search QUERY`: look documents up in the archive."""

from __future__ import annotations

import datetime as dt

import click

from gateway.archive import search as archive_search
from gateway.cli.common import Context, command, table


@command(name="search", help="Search the archive (diacritics and case do not matter).")
@click.argument("query", default="")
@click.option("--type", "doc_type", default=None, help="Document type code, e.g. NQ, QĐ, KH.")
@click.option("--issuer", default=None, help="Part of the issuer's name.")
@click.option("--since", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="Documents dated on or after (YYYY-MM-DD).")
@click.option("--until", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="Documents dated on or before (YYYY-MM-DD).")
@click.option("--direction", type=click.Choice(["in", "out"]), default=None)
@click.option("--org", default=None, help="Organisation code.")
@click.option("--status", default=None)
@click.option("--limit", type=click.IntRange(1, 1000), default=20, show_default=True)
def search(ctx: Context, query: str, doc_type: str | None, issuer: str | None,
           since: dt.datetime | None, until: dt.datetime | None, direction: str | None,
           org: str | None, status: str | None, limit: int) -> None:  # fmt: skip
    ctx.app.require_initialised()
    filters = archive_search.Filters(
        doc_type=doc_type, issuer=issuer, since=since.date() if since else None,
        until=until.date() if until else None, direction=direction, org=org, status=status,
    )  # fmt: skip
    with ctx.app.db.transaction() as session:
        results = archive_search.search(session, archive_search.parse(query, filters, limit))

    def text() -> str:
        if not results:
            return "no document matches"
        rows = [[r["id"], r["number"], r["number_symbol"], r["issued_date"], r["issuer"],
                 r["snippet"]] for r in results]  # fmt: skip
        return table(["ID", "SỐ ĐẾN", "SỐ KÝ HIỆU", "NGÀY", "TÁC GIẢ", "ĐOẠN KHỚP"], rows)

    ctx.emit(results, text)

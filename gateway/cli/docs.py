"""`gateway docs list|show`: registered documents."""

from __future__ import annotations

import click

from gateway.archive.corrections import EDITABLE, correct
from gateway.archive.lookup import (
    document_json,
    documents_json,
    documents_query,
    get_document,
)
from gateway.cli.common import Context, command, table


@click.group(help="Registered documents.")
def docs() -> None:
    pass


@command(docs, name="list", help="List registered documents.")
@click.option("--direction", type=click.Choice(["in", "out"]), default=None)
@click.option("--year", type=int, default=None)
@click.option("--org", default=None, help="Organisation code.")
@click.option("--status", default=None)
def list_(
    ctx: Context, direction: str | None, year: int | None, org: str | None, status: str | None
) -> None:
    ctx.app.require_initialised()
    with ctx.app.db.transaction() as session:
        query = documents_query(direction=direction, year=year, org=org, status=status)
        rows = documents_json(session, list(session.scalars(query)))
    ctx.emit(rows, lambda: table(
        ["ID", "BOOK", "YEAR", "SỐ ĐẾN", "SỐ KÝ HIỆU", "LOẠI", "TÁC GIẢ", "TRÍCH YẾU", "STATUS"],
        [[d["id"], d["book"], d["year"],
          d["number"] if d["number"] is not None else f"(trùng #{d['duplicate_of']})",
          d["number_symbol"], d["doc_type"], d["issuer"], d["summary"], d["status"]]
         for d in rows],
    ))  # fmt: skip


@command(docs, name="show", help="Show one document with files, assignments, trust, history.")
@click.argument("document_id", type=int)
def show(ctx: Context, document_id: int) -> None:
    ctx.app.require_initialised()
    with ctx.app.db.transaction() as session:
        data = document_json(session, get_document(session, document_id))

    def text() -> str:
        keys = (
            "id",
            "org",
            "direction",
            "book",
            "year",
            "number",
            "registered_at",
            "doc_type",
            "doc_type_name",
            "system",
            "number_symbol",
            "issuer",
            "issued_date",
            "summary",
            "urgency",
            "secrecy",
            "status",
            "duplicate_of",
        )
        lines = [f"{k}: {data[k]}" for k in keys]
        message = data["message"] or {}
        lines.append(
            f"message: {message.get('id')} from {message.get('from')}: {message.get('subject')}"
        )
        lines.append("files:")
        lines += [
            f"  {f['role'] or ''} {f['name']} ({f['mime']}, {f['size']} B) {f['sha256']}"
            for f in data["files"]
        ]
        lines.append(f"trust: {data['trust']['level']}")
        if data["evidence"]:
            lines.append("evidence:")
            lines += [f"  {k}: {v}" for k, v in data["evidence"].items()]
        return "\n".join(lines)

    ctx.emit(data, text)


def _field_options(func: click.decorators.FC) -> click.decorators.FC:
    for field in reversed(EDITABLE):
        func = click.option(f"--{field.replace('_', '-')}", field, default=None,
                            help=f"New {field} (empty: unknown).")(func)  # fmt: skip
    return func


@command(docs, name="edit", help="Correct fields of a document; recorded with who and why.")
@click.argument("document_id", type=int)
@_field_options
@click.option("--by", "actor", required=True, help="Who corrects (name of the clerk).")
@click.option("--reason", default="", help="Why (kept in the audit log).")
def edit(ctx: Context, document_id: int, actor: str, reason: str, **fields: str | None) -> None:
    changes = {name: value for name, value in fields.items() if value is not None}
    if not changes:
        raise click.UsageError("give at least one field to correct, e.g. --summary TEXT")
    ctx.app.require_initialised()
    with ctx.app.db.transaction() as session:
        document = get_document(session, document_id)
        applied = correct(session, document, changes, actor=actor, reason=reason)
        data = document_json(session, document)
    summary = ", ".join(f"{f}: {o!s} → {n!s}" for f, (o, n) in applied.items()) or "no change"
    ctx.emit(data, f"Đã sửa văn bản {document_id}: {summary}")

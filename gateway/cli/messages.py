"""`gateway messages list|show`."""

from __future__ import annotations

import shutil
import sys

import click

from gateway.archive.lookup import get_message, list_messages, message_detail
from gateway.archive.spool import open_raw
from gateway.cli.common import Context, command, table
from gateway.db.models import MESSAGE_STATES


@click.group(help="Inbound messages and their processing state.")
def messages() -> None:
    pass


@command(messages, name="list", help="List inbound messages with their state.")
@click.option("--state", type=click.Choice(MESSAGE_STATES), default=None)
@click.option("--limit", type=int, default=None)
def list_(ctx: Context, state: str | None, limit: int | None) -> None:
    ctx.app.require_initialised()
    with ctx.app.db.transaction() as session:
        rows = list_messages(session, state, limit)
    ctx.emit(rows, lambda: table(
        ["ID", "STATE", "SOURCE", "RECEIVED", "FROM", "SUBJECT", "ERROR"],
        [[m["id"], m["state"], m["source"], m["received_at"], m["from"], m["subject"],
          m["error"]] for m in rows],
    ))  # fmt: skip


@command(messages, name="show", help="Show one message; --raw writes its stored bytes.")
@click.argument("message_id", type=int)
@click.option("--raw", is_flag=True, help="Write the stored raw message, unchanged, to stdout.")
def show(ctx: Context, message_id: int, raw: bool) -> None:
    app = ctx.app
    app.require_initialised()
    with app.db.transaction() as session:
        message = get_message(session, message_id)
        if raw:
            with open_raw(session, app.blobs, message.raw_sha256) as blob:
                shutil.copyfileobj(blob, sys.stdout.buffer)
            sys.stdout.buffer.flush()
            return
        detail = message_detail(session, message)

    def text() -> str:
        lines = [
            f"{k}: {detail[k]}"
            for k in (
                "id",
                "state",
                "source",
                "mailbox",
                "message_id",
                "from",
                "subject",
                "received_at",
                "raw_sha256",
                "error",
                "attempts",
                "documents",
            )
        ]
        lines.append("deliveries:")
        lines += [
            f"  {d['source']} {d['mailbox']} {d['received_at']} {d['peer'] or ''}"
            for d in detail["deliveries"]
        ]
        lines.append("attachments:")
        lines += [
            f"  [{a['index']}] {a['name']} {a['detected_type']} {a['size']} B"
            f" {'document ' + str(a['document_id']) if a['document_id'] else a['reason']}"
            for a in detail["attachments"]
        ]
        return "\n".join(lines)

    ctx.emit(detail, text)

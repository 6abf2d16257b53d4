"""`gateway reply DOC_ID --file F... --summary TEXT`: answer an incoming document."""

from __future__ import annotations

from pathlib import Path

import click

from gateway.cli.common import Context, command
from gateway.errors import GatewayError
from gateway.outgoing.reply import ReplyFile
from gateway.outgoing.reply import reply as make_reply


@command(name="reply", help="Register, sign and queue an outgoing document answering DOC_ID.")
@click.argument("document_id", type=int)
@click.option("--file", "files", multiple=True, required=True,
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="A file of the reply (repeat for several; the first is the main one).")
@click.option("--summary", required=True, help="Trích yếu: what the reply is about.")
@click.option("--type", "doc_type", default=None, help="Document type code (default: CV).")
@click.option("--to", "to", multiple=True, help="Recipient (default: the original sender).")
@click.option("--signer", default=None, help="Who signs (người ký).")
@click.option("--no-sign", is_flag=True, help="Send unsigned (only when allow_unsigned).")
def reply(ctx: Context, document_id: int, files: tuple[Path, ...], summary: str,
          doc_type: str | None, to: tuple[str, ...], signer: str | None,
          no_sign: bool) -> None:  # fmt: skip
    app = ctx.app
    app.require_initialised()
    items = []
    for path in files:
        try:
            items.append(ReplyFile(path.name, path.read_bytes()))
        except OSError as exc:
            raise GatewayError(f"cannot read {path}: {exc.strerror}") from None
    result = make_reply(app.settings, app.db, app.blobs, document_id, items, summary,
                        doc_type=doc_type, to=list(to) or None, signer=signer,
                        sign=not no_sign, actor="cli")  # fmt: skip
    ctx.emit(result.as_json(), lambda: (
        f"Registered outgoing document #{result.document_id}: số {result.number_symbol} "
        f"(book {result.book}, {result.year}, number {result.number})\n"
        f"{'Signed' if result.signed else 'UNSIGNED'} mail {result.message_id} queued "
        f"(outbox #{result.outbound_id}) to {', '.join(result.recipients)}: "
        "`gateway send` delivers it"))  # fmt: skip

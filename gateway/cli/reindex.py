"""`gateway reindex`: rebuild the search index from the register."""

from __future__ import annotations

import time

import click

from gateway.archive.search import rebuild
from gateway.cli.common import Context, command, quiet_stream


@command(name="reindex", help="Rebuild the search index from the documents and messages.")
@click.option("--reread", is_flag=True,
              help="Read each document's text again from its stored file (slower).")  # fmt: skip
def reindex(ctx: Context, reread: bool) -> None:
    app = ctx.app
    app.require_initialised()
    started = time.monotonic()
    # One transaction: searches see the old index until the new one is complete.
    with app.db.transaction() as session:
        total = rebuild.count_documents(session)
        with click.progressbar(
            length=total, label="Re-indexing", show_pos=True,
            file=None if ctx.interactive else quiet_stream(),
        ) as bar:  # fmt: skip
            if reread:
                # Imported here: only --reread reads files (PDF, DOCX text extraction).
                from gateway.pipeline.stored_text import main_file_texts

                done = rebuild.reindex(session, bar.update, main_file_texts(app.blobs))
            else:
                done = rebuild.reindex(session, bar.update)
    seconds = round(time.monotonic() - started, 1)
    data = {"documents": done.documents, "with_text": done.with_text, "seconds": seconds}
    ctx.emit(
        data,
        f"Re-indexed {done.documents} documents ({done.with_text} with extracted text) "
        f"in {seconds} s.",
    )

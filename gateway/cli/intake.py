"""`gateway import` and `gateway process`."""

from __future__ import annotations

import itertools
import time
from collections import Counter
from pathlib import Path
from typing import Any

import click

from gateway.archive import spool
from gateway.cli.common import Context, command, quiet_stream
from gateway.intake.files import iter_sources, to_incoming
from gateway.intake.store import Intake

IMPORT_BATCH = 32


@command(name="import", help="Ingest .eml files, folders, mbox files and Maildirs.")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--mailbox", default=None, help="Receiving mailbox when the message does not say.")
def import_(ctx: Context, paths: tuple[Path, ...], mailbox: str | None) -> None:
    app = ctx.app
    app.init()
    settings = app.settings
    if mailbox and settings.organisation_for(mailbox) is None:
        raise click.BadParameter(
            f"{mailbox} is not a configured official mailbox", param_hint="--mailbox"
        )
    intake = Intake(settings, app.db, app.blobs)
    counts: Counter[str] = Counter()
    errors: list[dict[str, str]] = []
    message_ids: list[int] = []
    sources = iter_sources(list(paths))
    with click.progressbar(
        sources, label="Importing", show_pos=True, file=None if ctx.interactive else quiet_stream()
    ) as bar:
        pending = iter(bar)
        while batch := list(itertools.islice(pending, IMPORT_BATCH)):
            mails, labels = [], []
            for source in batch:
                if source.raw is None:
                    errors.append({"source": source.label, "error": source.error or "unreadable"})
                    continue
                mail = to_incoming(source, settings, mailbox)
                if not mail.mailboxes:
                    errors.append(
                        {
                            "source": source.label,
                            "error": "no official mailbox in its headers: give --mailbox",
                        }
                    )
                    continue
                mails.append(mail)
                labels.append(source.label)
            for result in intake.store_batch(mails) if mails else []:
                counts["duplicates" if result.duplicate else "new"] += 1
                message_ids.extend(result.message_ids)
    data: dict[str, Any] = {
        "imported": counts["new"] + counts["duplicates"],
        "new": counts["new"],
        "duplicates": counts["duplicates"],
        "errors": errors,
        "message_ids": message_ids,
    }
    lines = [
        f"Imported {data['imported']} messages: {counts['new']} new, "
        f"{counts['duplicates']} already stored, {len(errors)} errors."
    ]
    lines += [f"  {e['source']}: {e['error']}" for e in errors]
    ctx.emit(data, "\n".join(lines))
    if errors:
        raise SystemExit(1)


@command(name="process", help="Run the pipeline on pending messages.")
@click.option("--until-idle", is_flag=True, help="Exit when nothing is left to do.")
def process(ctx: Context, until_idle: bool) -> None:
    # Imported here: `gateway import` does not run the pipeline (PDF, signatures, routing).
    from gateway.pipeline.worker import Worker

    app = ctx.app
    app.require_initialised()
    worker = Worker(app.settings, app.db, app.blobs)
    worker.release_orphaned_claims()
    states: Counter[str] = Counter()
    documents = 0
    with click.progressbar(
        length=0, label="Processing", show_pos=True,
        file=None if ctx.interactive else quiet_stream(),
    ) as bar:  # fmt: skip
        while True:
            message_id = worker.claim()
            if message_id is None:
                spool.drain(app.db, app.blobs)  # when idle: spooled raws to the blob store
                if until_idle:
                    break
                time.sleep(2)
                continue
            outcome = worker.process(message_id)
            states[outcome.state] += 1
            documents += outcome.documents
            bar.update(1)
    data = {"messages": sum(states.values()), "documents": documents, "states": dict(states)}
    summary = ", ".join(f"{n} {s}" for s, n in sorted(states.items())) or "nothing to do"
    ctx.emit(
        data,
        f"Processed {data['messages']} messages ({summary}); {documents} documents registered.",
    )

"""`gateway send [--until-idle]` and `gateway outbox list`."""

from __future__ import annotations

import signal
import threading
from typing import Any

import click

from gateway.cli.common import Context, command, table
from gateway.db.models import OUTBOX_STATES
from gateway.outgoing.delivery import Sender
from gateway.outgoing.queue import list_outbox


@command(name="send", help="Deliver queued outbound mail through outgoing.relay.")
@click.option("--until-idle", is_flag=True,
              help="Exit when nothing is due now (mail waiting for a retry stays queued).")
def send(ctx: Context, until_idle: bool) -> None:
    app = ctx.app
    app.require_initialised()
    sender = Sender(app.settings, app.db, app.blobs)
    if not until_idle:
        stop = threading.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
        sender.run(stop)
        return
    sender.release_orphaned_claims()
    outcomes = sender.run_until_idle()
    data = [{"id": o.outbound_id, "message_id": o.message_id, "state": o.state,
             "answer": o.answer} for o in outcomes]  # fmt: skip
    with app.db.transaction() as session:
        waiting = len(list_outbox(session, "queued"))

    def text() -> str:
        counts: dict[str, int] = {}
        for o in outcomes:
            counts[o.state] = counts.get(o.state, 0) + 1
        done = ", ".join(f"{n} {state}" for state, n in counts.items()) or "nothing due"
        return f"{done}; {waiting} waiting for a retry"

    ctx.emit({"attempts": data, "waiting": waiting}, text)


@click.group(help="Outbound mail: replies, acknowledgements, notices.")
def outbox() -> None:
    pass


@command(outbox, name="list", help="Outbound mail with state, attempts and last SMTP answer.")
@click.option("--state", type=click.Choice(OUTBOX_STATES), default=None)
@click.option("--limit", type=int, default=None)
def list_(ctx: Context, state: str | None, limit: int | None) -> None:
    ctx.app.require_initialised()
    with ctx.app.db.transaction() as session:
        rows: list[dict[str, Any]] = list_outbox(session, state, limit)
    ctx.emit(rows, lambda: table(
        ["ID", "KIND", "STATE", "TRIES", "TO", "SUBJECT", "LAST ANSWER"],
        [[m["id"], m["kind"], m["state"], m["attempts"], ", ".join(m["to"]), m["subject"],
          m["last_answer"]] for m in rows],
    ))  # fmt: skip

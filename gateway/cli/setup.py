"""`gateway init` and `gateway serve`."""

from __future__ import annotations

import asyncio

from gateway.cli.common import Context, command


@command(name="init", help="Create the data root, database schema and blob store (idempotent).")
def init(ctx: Context) -> None:
    app = ctx.app
    app.init()
    database = app.db.engine.url.render_as_string()  # password hidden
    ctx.emit(
        {"data_root": str(app.settings.data_root), "database": database},
        f"Initialised data root {app.settings.data_root}",
    )


@command(
    name="serve",
    help="Run the daemon: SMTP intake, IMAP pollers, pipeline workers, sender, reminders.",
)
def serve(ctx: Context) -> None:
    # Imported here: `gateway init` needs none of intake, the pipeline or the outbox.
    from gateway.daemon import serve as run_daemon

    app = ctx.app
    app.init()
    try:
        # libuv's event loop: the SMTP sessions' socket and timer work costs less CPU than on
        # the standard loop (~10% more messages/s from one session, bench/README.md).
        import uvloop
    except ImportError:  # a platform without it: the standard loop, slower, never wrong
        asyncio.run(run_daemon(app))
    else:
        uvloop.run(run_daemon(app))

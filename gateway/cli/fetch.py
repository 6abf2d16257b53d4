"""`gateway fetch`: poll the configured IMAP mailboxes."""

from __future__ import annotations

import signal
import threading
from typing import Any

import click

from gateway.cli.common import Context, command
from gateway.errors import ConfigError
from gateway.intake.imap import FetchReport
from gateway.intake.imap_poller import ImapPollers, Poller
from gateway.intake.store import Intake


def _text(reports: list[FetchReport]) -> str:
    lines = []
    for r in reports:
        head = f"{r.account} {r.folder} → {r.mailbox}: "
        if r.error:
            lines.append(head + f"error: {r.error}")
        else:
            lines.append(
                head + f"{r.fetched} fetched ({r.new} new, {r.duplicates} already "
                f"stored), {r.acted} moved/flagged"
                + (" [UIDVALIDITY changed: folder read again]" if r.uidvalidity_changed else "")
            )
    return "\n".join(lines)


@command(name="fetch", help="Poll the configured IMAP mailboxes (until stopped, or --once).")
@click.option("--mailbox", default=None, help="Only the account(s) receiving for this address.")
@click.option("--once", is_flag=True, help="Fetch what is waiting now, then exit.")
def fetch(ctx: Context, mailbox: str | None, once: bool) -> None:
    app = ctx.app
    settings = app.settings
    accounts = list(settings.imap)
    if not accounts:
        raise ConfigError("no [[imap]] accounts are configured: add one (see config.example.toml)")
    if mailbox is not None:
        accounts = [a for a in accounts if a.mailbox == mailbox.strip().lower()]
        if not accounts:
            raise click.BadParameter(
                f"no [[imap]] account receives for {mailbox}", param_hint="--mailbox"
            )
    app.init()
    intake = Intake(settings, app.db, app.blobs)
    if once:
        # One after the other: each account's failure is reported, the others still run.
        reports = [Poller(settings, account, intake).fetch_once() for account in accounts]
        data: dict[str, Any] = {"accounts": [r.as_dict() for r in reports]}
        ctx.emit(data, lambda: _text(reports))
        if any(r.error for r in reports):
            raise SystemExit(1)
        return
    pollers = ImapPollers(settings, accounts, intake)
    stopping = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stopping.set())
    pollers.start()
    while not stopping.wait(1.0):
        pass
    pollers.stop()
    ctx.emit({"accounts": [p.account.account for p in pollers.pollers], "stopped": True}, "stopped")

"""`gateway remind [--now ISO-DATETIME]`: one reminder/escalation pass (clock overridable)."""

from __future__ import annotations

import datetime as dt

import click

from gateway.cli.common import Context, command
from gateway.errors import GatewayError
from gateway.routing.reminders import remind as remind_pass


@command(name="remind", help="Send due reminders and escalations once (safe to run often).")
@click.option("--now", "now_text", default=None, help="Pretend it is this ISO date-time.")
def remind(ctx: Context, now_text: str | None) -> None:
    ctx.app.require_initialised()
    now = dt.datetime.now(dt.UTC)
    if now_text:
        try:
            now = dt.datetime.fromisoformat(now_text)
        except ValueError as exc:
            raise GatewayError(f"--now {now_text!r}: expected an ISO date-time") from exc
        if now.tzinfo is None:  # a wall-clock time of the first organisation's zone
            now = now.replace(tzinfo=ctx.app.settings.organisations[0].zone)
    report = remind_pass(ctx.app.settings, ctx.app.db, ctx.app.blobs, now)
    text = f"{len(report.sent)} nhắc việc đã xếp hàng gửi, {report.already} đã gửi trước đó"
    ctx.emit({"now": now.isoformat(), "sent": report.sent, "already": report.already}, text)

"""`gateway remind --now ...` stepping through days: each reminder once, escalation to the head."""

from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path

from sqlalchemy import select, update

from gateway.app import App
from gateway.db.models import Assignment, OutboundMail
from tests.routing.helpers import receive
from tests.support.gateway_process import GATEWAY, run, run_json
from tests.support.mailgen import official_email

HEAD_EMAILS = {"binh.hv@huyenuy.meovac.hagiang.dcs.vn", "an.nv@huyenuy.meovac.hagiang.dcs.vn",
               "mai.lt@huyenuy.meovac.hagiang.dcs.vn", "chu.vs@huyenuy.meovac.hagiang.dcs.vn",
               "say.gt@huyenuy.meovac.hagiang.dcs.vn"}  # fmt: skip


def _setup(app: App) -> int:
    receive(app, official_email(1))
    with app.db.transaction() as session:
        session.execute(update(Assignment).values(deadline=dt.date(2026, 3, 10)))
        lead = session.scalars(select(Assignment).where(Assignment.role == "lead")).one()
        return lead.id


def _reminders(app: App) -> list[OutboundMail]:
    with app.db.transaction() as session:
        query = select(OutboundMail).where(OutboundMail.kind == "reminder")
        return list(session.scalars(query.order_by(OutboundMail.id)))


def test_stages_once_each_with_escalation(app: App):
    """Before (2 working days), on the day, overdue with the unit head; reruns send nothing."""
    lead = _setup(app)
    config = Path(app.settings.base_dir) / "gateway.toml"
    days = ["2026-03-05", "2026-03-06", "2026-03-06", "2026-03-09", "2026-03-10", "2026-03-10",
            "2026-03-11", "2026-03-12"]  # fmt: skip
    for day in days:
        run(config, "remind", "--now", f"{day}T08:00:00+07:00")
    keys = [m.dedupe_key for m in _reminders(app)]
    assert keys == [f"reminder:{lead}:before:2026-03-10", f"reminder:{lead}:due:2026-03-10",
                    f"reminder:{lead}:overdue:2026-03-10"]  # fmt: skip
    overdue = _reminders(app)[-1]
    assert len(overdue.rcpt_to) == 2 and overdue.rcpt_to[1] in HEAD_EMAILS


def test_two_concurrent_runs_send_each_reminder_once(app: App):
    """Two `gateway remind` processes at the same moment queue each reminder exactly once."""
    _setup(app)
    config = Path(app.settings.base_dir) / "gateway.toml"
    args = [*GATEWAY, "remind", "--now", "2026-03-11T08:00:00+07:00", "--config", str(config)]
    procs = [subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
             for _ in range(2)]  # fmt: skip
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err.decode()[-2000:]
    keys = [m.dedupe_key for m in _reminders(app)]
    assert len(keys) == len(set(keys)) and keys
    again = run_json(config, "remind", "--now", "2026-03-11T09:00:00+07:00")
    assert again["sent"] == [] or all(k.startswith("digest:") for k in again["sent"])


def test_done_assignments_are_not_chased(app: App):
    """An assignment marked done by `gateway assign --status done` gets no reminder."""
    _setup(app)
    config = Path(app.settings.base_dir) / "gateway.toml"
    run(config, "assign", "1", "--status", "done", "--by", "Hoàng Văn Bình",
        "--reason", "đã trả lời")
    run(config, "remind", "--now", "2026-03-12T08:00:00+07:00")
    with app.db.transaction() as session:
        lead = session.scalars(select(Assignment).where(Assignment.role == "lead")).one()
    assert lead.status == "done"
    assert all(f":{lead.id}:" not in (m.dedupe_key or "") for m in _reminders(app))

"""`gateway assign` reassigns with who and why; `gateway reprocess --route` keeps numbers."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from gateway.app import App
from gateway.db.models import Document, Event
from tests.routing.helpers import receive
from tests.support.gateway_process import run, run_json
from tests.support.mailgen import official_email


def test_reassign_records_who_and_why(app: App):
    """The new lead and deadline replace the old ones; the log names the person and reason."""
    receive(app, official_email(1))
    config = Path(app.settings.base_dir) / "gateway.toml"
    data = run_json(config, "assign", "1", "--lead", "ban-dan-van-hu", "--cooperate",
                    "van-phong-hu", "--deadline", "2026-12-31", "--by", "Sùng Mí Páo",
                    "--reason", "theo ý kiến Bí thư")  # fmt: skip
    assert [(a["assignee"], a["role"], a["deadline"]) for a in data["assignments"]] == [
        ("ban-dan-van-hu", "lead", "2026-12-31"), ("van-phong-hu", "cooperate", "2026-12-31")]
    with app.db.transaction() as session:
        events = session.scalars(select(Event).where(Event.kind == "assignment.created"))
        created = [e for e in events if e.actor == "Sùng Mí Páo"]
    assert created and created[0].data["reason"] == "theo ý kiến Bí thư"
    bad = run(config, "assign", "1", "--lead", "khong-co", "--by", "x", "--reason", "y",
              check=False)
    assert bad.returncode == 1


def test_reprocess_route_keeps_the_number(app: App):
    """Routing again replaces assignments and leaves số đến alone."""
    receive(app, official_email(1))
    config = Path(app.settings.base_dir) / "gateway.toml"
    with app.db.transaction() as session:
        before = session.scalars(select(Document)).one().number
    result = run_json(config, "reprocess", "--route", "1")
    assert result[0]["routed"] and result[0]["assignments"]
    with app.db.transaction() as session:
        assert session.scalars(select(Document)).one().number == before

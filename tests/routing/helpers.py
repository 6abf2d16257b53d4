"""Helpers for routing tests: the shipped rules, facts, a message through the pipeline."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from gateway.app import App
from gateway.intake.store import IncomingMail, Intake
from gateway.pipeline.worker import Worker
from gateway.routing.conditions import Facts
from gateway.routing.rules import DEFAULT_RULES_DIR, RoutingRules, load_rules
from tests.support.settings import PARTY_MAILBOX

BASE = Facts(
    org="huyenuy-meovac", sender="vanthu@tinhuy.hagiang.dcs.vn", mailbox=PARTY_MAILBOX,
    subject="Gửi văn bản", issuer="Tỉnh ủy Hà Giang", doc_type="KH", system="party",
    urgency="normal", secrecy="none", trust="unverified", summary="về công tác chung", text="",
)  # fmt: skip


def shipped() -> RoutingRules:
    return load_rules(DEFAULT_RULES_DIR)


def facts(**changes: object) -> Facts:
    return replace(BASE, **changes)  # type: ignore[arg-type]


def copy_rules(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("routing.toml", "directory.toml", "calendar.toml"):
        (folder / name).write_text((DEFAULT_RULES_DIR / name).read_text("utf-8"), "utf-8")
    return folder


def receive(app: App, raw: bytes, mailbox: str = PARTY_MAILBOX) -> int:
    stored = Intake(app.settings, app.db, app.blobs).store(
        IncomingMail(raw=raw, mailboxes=[mailbox], source="file")
    )
    Worker(app.settings, app.db, app.blobs).run_until_idle()
    return stored.message_ids[0]

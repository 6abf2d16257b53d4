"""`gateway send` and `gateway outbox list` as an operator runs them, including kill -9."""

from __future__ import annotations

import collections
import json
import signal
import subprocess
import time
from pathlib import Path

from gateway.app import App
from tests.outgoing.test_delivery import queue_mails, rows
from tests.support.gateway_process import GATEWAY, run, run_json
from tests.support.relay import Relay


def test_send_until_idle_and_outbox_list(app: App, relay: Relay, tmp_path: Path):
    """`send --until-idle` delivers what is due; `outbox list` shows state and the answer."""
    config = tmp_path / "gateway.toml"
    relay.handler.temporary_failures = 1
    ids = queue_mails(app, 2)
    result = run_json(config, "send", "--until-idle")
    assert sorted(a["state"] for a in result["attempts"]) == ["queued", "sent"]
    assert result["waiting"] == 1
    listed = run_json(config, "outbox", "list")
    assert {m["message_id"] for m in listed} == set(ids)
    waiting = next(m for m in listed if m["state"] == "queued")
    assert waiting["attempts"] == 1 and waiting["last_answer"].startswith("451")
    assert "451" in run(config, "outbox", "list").stdout.decode()


def test_killed_sender_resends_at_most_the_same_message_id(app: App, relay: Relay, tmp_path: Path):
    """kill -9 mid-delivery, restart: every mail arrives; a repeat is the same Message-ID."""
    config = tmp_path / "gateway.toml"
    relay.handler.data_delay = 0.3  # the sender is killed while the relay holds DATA
    ids = queue_mails(app, 12)
    sender = subprocess.Popen([*GATEWAY, "send", "--config", str(config)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while len(relay.handler.message_ids()) < 4 and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.15)  # mid-way through the next DATA
    finally:
        sender.send_signal(signal.SIGKILL)
        sender.wait(30)
    before = len(relay.handler.message_ids())
    assert 4 <= before < 12
    result = json.loads(run(config, "send", "--until-idle", "--json").stdout)
    assert result["waiting"] == 0
    time.sleep(0.5)  # the relay finishes the DATA the killed sender left behind
    counts = collections.Counter(relay.handler.message_ids())
    assert set(counts) == set(ids)  # nothing lost
    assert sum(counts.values()) - len(ids) <= 1  # at most the one mail in flight, again
    for mid, n in counts.items():
        copies = {r.data for r in relay.handler.received if r.message_id == mid}
        assert len(copies) == 1, f"{mid} was sent {n} times with different bytes"
    assert all(r.state == "sent" for r in rows(app))

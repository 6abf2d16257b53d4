"""Crash safety: SIGKILL `gateway serve` under load; every 250 answered is kept exactly once."""

from __future__ import annotations

import contextlib
import queue
import smtplib
import threading
import time
from collections import Counter
from pathlib import Path

import pytest

from tests.e2e.conftest import wait_until_settled
from tests.support.gateway_process import Daemon, free_port, run_json
from tests.support.mailgen import official_email
from tests.support.settings import PARTY_MAILBOX, write_config

MESSAGES = 1000
SESSIONS = 20


class RecordingClient:
    """20 SMTP sessions sending a pool of messages, noting each 250 and each non-answer."""

    def __init__(self, port: int, pool: dict[int, bytes]) -> None:
        self.port = port
        self.pool = pool
        self.todo: queue.SimpleQueue[int] = queue.SimpleQueue()
        for n in pool:
            self.todo.put(n)
        self.acked: set[int] = set()
        self.unanswered: set[int] = set()
        self.lock = threading.Lock()

    def run(self) -> None:
        threads = [threading.Thread(target=self._session) for _ in range(SESSIONS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()

    def _session(self) -> None:
        client: smtplib.SMTP | None = None
        while True:
            try:
                n = self.todo.get_nowait()
            except queue.Empty:
                break
            try:
                if client is None:
                    client = smtplib.SMTP("127.0.0.1", self.port, timeout=30)
                client.sendmail("vanthu@tinhuy.hagiang.dcs.vn", [PARTY_MAILBOX], self.pool[n])
                with self.lock:
                    self.acked.add(n)
            except (OSError, smtplib.SMTPException):
                with self.lock:
                    self.unanswered.add(n)
                client = None
        if client is not None:
            with contextlib.suppress(OSError, smtplib.SMTPException):
                client.quit()


@pytest.mark.slow
def test_sigkill_under_load_loses_nothing_and_duplicates_nothing(tmp_path: Path, database_url: str):
    """Kill -9 mid-load, restart, let the client retry: each message stored and registered once."""
    port = free_port()
    config = write_config(
        tmp_path, database_url, smtp={"listen": f"127.0.0.1:{port}"}, pipeline={"workers": 1}
    )
    pool = {n: official_email(n) for n in range(1, MESSAGES + 1)}
    client = RecordingClient(port, pool)
    daemon = Daemon(config, port, tmp_path / "serve.log").start()
    sender = threading.Thread(target=client.run)
    sender.start()
    while len(client.acked) < MESSAGES * 0.4 and sender.is_alive():
        time.sleep(0.01)
    daemon.kill()
    sender.join()
    acked_before_kill = set(client.acked)
    assert acked_before_kill and client.unanswered, "the kill must land mid-load"

    with Daemon(config, port, tmp_path / "serve2.log") as restarted:
        # The client retries what got no answer, and (as after a lost 250) some that did.
        retry = RecordingClient(
            port, {n: pool[n] for n in client.unanswered | set(list(acked_before_kill)[:50])}
        )
        retry.run()
        assert retry.unanswered == set()
        messages = wait_until_settled(config, MESSAGES, timeout=300)
        assert restarted.stop() == 0

    per_message_id = Counter(m["message_id"] for m in messages)
    assert len(messages) == MESSAGES
    assert set(per_message_id.values()) == {1}
    assert {m["state"] for m in messages} == {"processed"}
    numbers = sorted(d["number"] for d in run_json(config, "docs", "list"))
    assert numbers == list(range(1, MESSAGES + 1))

"""Many workers, one register: numbers 1..N with no gap and no duplicate."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from gateway.app import App
from gateway.config import load_settings
from gateway.intake.store import IncomingMail, Intake
from tests.support.gateway_process import GATEWAY, run_json
from tests.support.mailgen import official_email
from tests.support.settings import PARTY_MAILBOX, write_config

DOCUMENTS = 2000
WORKERS = 4


@pytest.mark.slow
def test_four_worker_processes_number_without_gaps(tmp_path: Path, database_url: str):
    """4 `gateway process` processes register 2,000 documents: exactly 1..2000."""
    config = write_config(tmp_path, database_url)
    app = App(load_settings(config))
    app.init()
    intake = Intake(app.settings, app.db, app.blobs)
    for start in range(1, DOCUMENTS + 1, 200):
        intake.store_batch([
            IncomingMail(raw=official_email(n), mailboxes=[PARTY_MAILBOX], source="file")
            for n in range(start, start + 200)
        ])  # fmt: skip
    app.close()
    workers = [
        subprocess.Popen(
            [*GATEWAY, "process", "--until-idle", "--config", str(config), "--json"],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(WORKERS)
    ]
    shares = [w.communicate(timeout=900)[0] for w in workers]
    assert all(w.returncode == 0 for w in workers)
    assert sum(1 for s in shares if b'"documents": 0' not in s) >= 2, "work was not shared"
    numbers = sorted(d["number"] for d in run_json(config, "docs", "list"))
    assert numbers == list(range(1, DOCUMENTS + 1))

"""Every real-world tricky message is imported and processed without a crash, raw kept."""

from __future__ import annotations

import hashlib
from pathlib import Path

from sqlalchemy import select

from gateway.app import App
from gateway.config import load_settings
from gateway.db.models import Delivery, InboundMessage
from tests.support.gateway_process import run, run_json
from tests.support.paths import THIRDPARTY, need_corpus, thirdparty_messages
from tests.support.settings import PARTY_MAILBOX, write_config


def test_thirdparty_corpus_ends_processed_or_quarantined(tmp_path: Path, database_url: str):
    """CPython, mime4j and MIME-tools test messages: each processed, or quarantined with reason."""
    need_corpus(THIRDPARTY)
    files = thirdparty_messages()
    config = write_config(tmp_path, database_url)
    imported = run_json(config, "import", "--mailbox", PARTY_MAILBOX, *map(str, files))
    assert imported["errors"] == [] and imported["imported"] == len(files)
    run(config, "process", "--until-idle")
    app = App(load_settings(config))
    with app.db.transaction() as session:
        rows = session.execute(
            select(Delivery.raw_sha256, InboundMessage.state, InboundMessage.error).join(
                InboundMessage, InboundMessage.id == Delivery.message_id
            )
        ).all()
    outcome = {sha: (state, error) for sha, state, error in rows}
    for path in files:
        raw = path.read_bytes()
        sha = hashlib.sha256(raw).hexdigest()
        state, error = outcome[sha]  # each file's delivery is on record...
        assert state in ("processed", "quarantined"), (path, error)
        assert state == "processed" or error, path
        assert app.blobs.read(sha) == raw  # ...and its exact bytes are kept
    app.close()

"""Outgoing tests: a real local SMTP relay, the tests' own CA, and organisations with keys."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from gateway.config import Settings, load_settings
from tests.support.pki import CA
from tests.support.relay import Relay
from tests.support.signing_config import PASSPHRASE, STATE_PASSPHRASE_ENV, write_outgoing_config


@pytest.fixture(scope="session")
def ca() -> CA:
    return CA.create()


@pytest.fixture
def relay() -> Iterator[Relay]:
    server = Relay().start()
    yield server
    server.stop()


@pytest.fixture
def settings(tmp_path: Path, database_url: str, relay: Relay, ca: CA,
             monkeypatch: pytest.MonkeyPatch) -> Settings:  # fmt: skip
    """Both organisations with keys, sending through the test relay."""
    monkeypatch.setenv(STATE_PASSPHRASE_ENV, PASSPHRASE)
    return load_settings(write_outgoing_config(tmp_path, database_url, ca, relay))

"""Outgoing tests: a real local SMTP relay, and settings that send through it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from gateway.config import Settings
from tests.support.relay import Relay
from tests.support.settings import make_settings


@pytest.fixture
def relay() -> Iterator[Relay]:
    server = Relay().start()
    yield server
    server.stop()


@pytest.fixture
def settings(tmp_path: Path, database_url: str, relay: Relay) -> Settings:
    """The suite's two organisations, sending through the test relay (short retries)."""
    return make_settings(
        tmp_path, database_url,
        outgoing={"relay": relay.address, "retry_base_seconds": 1, "max_attempts": 5,
                  "timeout": 10},
    )  # fmt: skip

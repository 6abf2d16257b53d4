"""End-to-end fixtures: a configured data root and helpers to watch the pipeline settle."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, func, select
from sqlalchemy.exc import OperationalError

from gateway.config import load_settings
from gateway.db.models import PROCESSING, RECEIVED, InboundMessage
from tests.support.gateway_process import run_json

PENDING = (RECEIVED, PROCESSING)
POLL_SECONDS = 0.1


def wait_until_settled(config: Path, expected: int, timeout: float = 180) -> list[dict[str, Any]]:
    """`messages list` once ``expected`` messages exist and none is pending.

    The database is watched from here with one small read-only query per poll; starting
    `messages list` for each poll would cost half a second of a core the gateway needs, so
    polls would have to be seconds apart. The listing returned is the command's own output.
    """
    engine = _reader(load_settings(config).database_url)
    deadline = time.monotonic() + timeout
    states: dict[str, int] = {}
    try:
        while time.monotonic() < deadline:
            states = _states(engine)
            if _settled(states, expected):
                messages = run_json(config, "messages", "list")
                if _settled(Counter(m["state"] for m in messages), expected):
                    return messages
            time.sleep(POLL_SECONDS)
    finally:
        engine.dispose()
    raise TimeoutError(f"messages by state after {timeout}s: {states}, expected {expected} settled")


def _reader(url: str) -> Engine:
    """A plain engine, without the gateway's BEGIN IMMEDIATE on SQLite: polls take no write
    lock, so they never hold up the gateway's writers."""
    return create_engine(url, connect_args={"timeout": 30} if url.startswith("sqlite") else {})


def _states(engine: Engine) -> dict[str, int]:
    query = select(InboundMessage.state, func.count()).group_by(InboundMessage.state)
    try:
        with engine.connect() as conn:
            return {state: count for state, count in conn.execute(query)}
    except OperationalError:  # the gateway is (re)starting or the database is down: poll again
        return {}


def _settled(states: Mapping[str, int], expected: int) -> bool:
    """As many messages as expected (or more), none received or processing."""
    return sum(states.values()) >= expected and not any(states.get(s) for s in PENDING)

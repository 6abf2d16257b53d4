"""End-to-end fixtures: a configured data root and helpers to watch the pipeline settle."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from tests.support.gateway_process import run_json


def wait_until_settled(config: Path, expected: int, timeout: float = 180) -> list[dict[str, Any]]:
    """Poll `messages list` until ``expected`` messages exist and none is pending."""
    deadline = time.monotonic() + timeout
    messages: list[dict[str, Any]] = []
    while time.monotonic() < deadline:
        messages = run_json(config, "messages", "list")
        pending = [m for m in messages if m["state"] in ("received", "processing")]
        if len(messages) >= expected and not pending:
            return messages
        time.sleep(2)  # each poll is a process start: keep the cores for the gateway
    raise TimeoutError(f"{len(messages)} messages after {timeout}s, expected {expected} settled")

"""`gateway serve` runs the IMAP pollers: mail in the watched folder becomes register entries."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.dovecot import Dovecot, dovecot_server
from tests.support.gateway_process import Daemon, free_port
from tests.support.imap_setup import ImapSetup
from tests.support.mailgen import official_email


@pytest.fixture(scope="module")
def dovecot() -> Iterator[Dovecot]:
    yield from dovecot_server()


def test_serve_polls_imap_and_registers_new_mail(
    tmp_path: Path, database_url: str, dovecot: Dovecot
):
    """Mail APPENDed while `gateway serve` runs is registered within 10 s; SIGTERM exits 0."""
    port = free_port()
    setup = ImapSetup(
        tmp_path,
        database_url,
        dovecot,
        sections={
            "smtp": {"listen": f"127.0.0.1:{port}"},
            "pipeline": {"workers": 1},
        },
    )
    dovecot.append(setup.user, [official_email(1)])  # waiting before the daemon starts
    with Daemon(setup.config, port, tmp_path / "serve.log") as daemon:
        deadline = time.monotonic() + 20
        while setup.documents() < 1 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert setup.documents() == 1
        time.sleep(0.5)  # back in IDLE
        started = time.monotonic()
        dovecot.append(setup.user, [official_email(2)])
        while setup.documents() < 2 and time.monotonic() - started < 10:
            time.sleep(0.1)
        assert setup.documents() == 2, (tmp_path / "serve.log").read_text()[-2000:]
        assert daemon.stop() == 0
    assert len(dovecot.uids(setup.user, "Processed")) == 2
    setup.close()

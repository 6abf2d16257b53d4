"""`gateway serve` end to end: real SMTP clients in, numbered register entries out."""

from __future__ import annotations

import hashlib
import json
import os
import smtplib
import sqlite3
import subprocess
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import psycopg
import pytest

from gateway.app import App
from gateway.archive.spool import read_raw
from gateway.config import load_settings
from tests.e2e.conftest import wait_until_settled
from tests.support.gateway_process import Daemon, free_port, run, run_json
from tests.support.mailgen import official_email
from tests.support.paths import VN, need_corpus
from tests.support.pki import write_server_certificate
from tests.support.settings import PARTY_MAILBOX, write_config


def _config(tmp_path: Path, database_url: str, **smtp: object) -> tuple[Path, int]:
    port = free_port()
    config = write_config(
        tmp_path, database_url,
        smtp={"listen": f"127.0.0.1:{port}", **smtp},
        pipeline={"workers": 1},
        storage={"lock_timeout": 2},
    )  # fmt: skip
    return config, port


def swaks(
    port: int, to: str, data: Path | None = None, *extra: str
) -> subprocess.CompletedProcess[str]:
    args = [
        "swaks",
        "--server",
        f"127.0.0.1:{port}",
        "--to",
        to,
        "--from",
        "vanthu@tinh.vn",
        "--timeout",
        "60",
        *extra,
    ]
    if data is not None:
        args += ["--data", f"@{data}"]
    return subprocess.run(args, capture_output=True, text=True, timeout=120)


def test_every_corpus_message_is_registered_in_arrival_order(tmp_path: Path, database_url: str):
    """Each official e-mail sent with swaks is stored byte for byte and numbered 1..N."""
    corpus = need_corpus(VN)
    labels = json.loads((corpus / "labels.json").read_text(encoding="utf-8"))
    config, port = _config(tmp_path, database_url)
    sent: list[tuple[str, str]] = []  # (file, sha256 of what the server must have stored)
    with Daemon(config, port, tmp_path / "serve.log") as daemon:
        for name in sorted(labels):
            data = (corpus / name).read_bytes()
            # swaks ends DATA with CRLF "." CRLF after the file: give it the file without its
            # last line break, so that the bytes on the wire are exactly the file.
            payload = tmp_path / name
            payload.write_bytes(data.removesuffix(b"\r\n"))
            result = swaks(port, labels[name]["mailbox"], payload)
            assert "<-  250 2.0.0 OK" in result.stdout, result.stdout[-2000:]
            sent.append((name, hashlib.sha256(data).hexdigest()))
        messages = wait_until_settled(config, len(sent))
        assert daemon.stop() == 0
    assert [m["raw_sha256"] for m in messages] == [sha for _, sha in sent]
    # Each message's stored bytes, wherever they are (blob store or raw spool)...
    app = App(load_settings(config))
    try:
        for message, (name, sha) in zip(messages, sent, strict=True):
            raw = read_raw(app.db, app.blobs, message["raw_sha256"])
            assert hashlib.sha256(raw).hexdigest() == sha, name
    finally:
        app.close()
    # ...and a sample through the command itself (a start costs half a second of CPU), with
    # the register listing, several commands at a time.
    sample = _show_sample(corpus, labels, [name for name, _ in sent])
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        listing = pool.submit(run_json, config, "docs", "list")
        shown = pool.map(
            lambda i: run(config, "messages", "show", str(messages[i]["id"]), "--raw").stdout,
            sample,
        )
        for i, raw in zip(sample, shown, strict=True):
            assert hashlib.sha256(raw).hexdigest() == sent[i][1], sent[i][0]
        documents = listing.result()
    numbers: dict[str, list[int]] = defaultdict(list)
    for doc in sorted(documents, key=lambda d: d["message"]["id"]):
        if doc["duplicate_of"] is None:
            numbers[doc["org"]].append(doc["number"])
    for org, seq in numbers.items():
        assert seq == list(range(1, len(seq) + 1)), org
    with_documents = sum(1 for v in labels.values() if v["documents"])
    assert len({d["message"]["id"] for d in documents}) >= with_documents - 4


def _show_sample(corpus: Path, labels: dict[str, Any], names: list[str]) -> list[int]:
    """Positions of the messages to fetch with `messages show --raw`: the first and the last,
    the largest, the one with the most files, one with 8-bit bytes, one with no document."""
    data = {name: (corpus / name).read_bytes() for name in names}

    def files(name: str) -> int:
        return sum(len(doc["files"]) for doc in labels[name]["documents"])

    picks = [
        names[0],
        names[-1],
        max(names, key=lambda name: len(data[name])),
        max(names, key=files),
        next(name for name in names if not data[name].isascii()),
        next(name for name in names if not labels[name]["documents"]),
    ]
    return sorted({names.index(name) for name in picks})


def test_relay_and_oversize_are_refused(tmp_path: Path, database_url: str):
    """Another recipient gets 550 (no open relay); a message over the limit gets 552."""
    config, port = _config(tmp_path, database_url, max_message_size=50_000)
    big = tmp_path / "big.eml"
    big.write_bytes(official_email(1, padding=120_000))
    small = tmp_path / "small.eml"
    small.write_bytes(official_email(2))
    with Daemon(config, port, tmp_path / "serve.log") as daemon:
        relay = swaks(port, "someone@gmail.com", small)
        assert "<** 550 5.7.1" in relay.stdout
        oversize = swaks(port, PARTY_MAILBOX, big)
        assert "<** 552" in oversize.stdout
        ok = swaks(port, PARTY_MAILBOX, small)
        assert "<-  250" in ok.stdout
        assert daemon.stop() == 0
    assert len(run_json(config, "messages", "list")) == 1


def test_starttls_required_and_used(tmp_path: Path, database_url: str):
    """With a certificate and ``require_tls``, a sender that does not start TLS is refused
    (530) and one that does is stored byte for byte. The daemon's event loop is uvloop,
    whose transports aiosmtpd's STARTTLS swaps under the session: this is that path."""
    cert, key = write_server_certificate(tmp_path)
    config, port = _config(
        tmp_path, database_url, tls_cert=str(cert), tls_key=str(key), require_tls=True
    )
    raw = official_email(3)
    payload = tmp_path / "message.eml"
    payload.write_bytes(raw.removesuffix(b"\r\n"))  # swaks ends the last line itself
    with Daemon(config, port, tmp_path / "serve.log") as daemon:
        plain = swaks(port, PARTY_MAILBOX, payload)
        assert "<** 530" in plain.stdout, plain.stdout[-2000:]
        secured = swaks(port, PARTY_MAILBOX, payload, "--tls")
        assert "<~  250 2.0.0 OK: stored as message" in secured.stdout, secured.stdout[-2000:]
        assert daemon.stop() == 0
    assert "event loop uvloop" in (tmp_path / "serve.log").read_text(encoding="utf-8")
    (message,) = run_json(config, "messages", "list")
    assert run(config, "messages", "show", str(message["id"]), "--raw").stdout == raw


def _send(port: int, raw: bytes) -> tuple[int, bytes]:
    with smtplib.SMTP("127.0.0.1", port, timeout=60) as client:
        client.ehlo()
        client.mail("vanthu@tinh.vn")
        client.rcpt(PARTY_MAILBOX)
        return client.data(raw)


def test_unavailable_database_answers_451_and_stores_nothing(
    tmp_path: Path, database_url: str, request: pytest.FixtureRequest
):
    """With the database down the client gets 451; once it is back the retry is stored once."""
    config, port = _config(tmp_path, database_url)
    raw = official_email(7)
    with Daemon(config, port, tmp_path / "serve.log") as daemon:
        assert _send(port, official_email(6))[0] == 250
        with _database_down(tmp_path, database_url, request):
            code, reply = _send(port, raw)
            assert code == 451, reply
        assert _send(port, raw)[0] == 250
        messages = wait_until_settled(config, 2)
        assert daemon.stop() == 0
    assert len(messages) == 2
    assert messages[1]["raw_sha256"] == hashlib.sha256(raw).hexdigest()


class _database_down:
    """Make the database unusable: an exclusive SQLite lock, or PostgreSQL refusing us."""

    def __init__(self, tmp_path: Path, url: str, request: pytest.FixtureRequest) -> None:
        self.path = tmp_path / "archive" / "gateway.sqlite3"
        self.url = url
        self.request = request

    def __enter__(self) -> None:
        if not self.url:
            self.lock = sqlite3.connect(self.path, isolation_level=None)
            self.lock.execute("BEGIN EXCLUSIVE")
            return
        self.name = self.url.rsplit("/", 1)[1]
        with psycopg.connect("host=127.0.0.1 user=postgres dbname=postgres", autocommit=True) as c:
            c.execute(f'ALTER DATABASE "{self.name}" ALLOW_CONNECTIONS false')
            c.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = %s AND pid <> pg_backend_pid()",
                (self.name,),
            )

    def __exit__(self, *exc: object) -> None:
        if not self.url:
            self.lock.execute("ROLLBACK")
            self.lock.close()
            return
        with psycopg.connect("host=127.0.0.1 user=postgres dbname=postgres", autocommit=True) as c:
            c.execute(f'ALTER DATABASE "{self.name}" ALLOW_CONNECTIONS true')

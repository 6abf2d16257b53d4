"""The fast DATA reader of IntakeSMTP gives exactly what aiosmtpd's stock reader gives.

Two real listeners run side by side on loopback, stock ``SMTP`` and ``IntakeSMTP``, with the
same capturing handler; raw sockets send both the same bytes in random pieces and the tests
compare what each handler received and what each answered. ``read_data`` is also driven
directly through a real ``asyncio.StreamReader`` with a tiny limit, so that every chunk edge
and the limit-overrun path are exercised. Finally swaks talks to the gateway's own listener.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import random
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.smtp import SMTP
from sqlalchemy import select

from gateway.app import App
from gateway.archive.spool import read_raw
from gateway.db.models import Blob, Delivery, InboundMessage, RawSpool
from gateway.intake.batching import GroupCommitter
from gateway.intake.headers import summarise_headers
from gateway.intake.smtp import IntakeSMTP, read_data, start_smtp_server
from gateway.intake.store import IncomingMail, Intake, Stored
from tests.support.gateway_process import free_port
from tests.support.settings import PARTY_MAILBOX, STATE_MAILBOX, make_settings

SMALL_LIMIT = 1000
BIG_LIMIT = 8 << 20


class StockSMTP(SMTP):  # type: ignore[misc]
    """Stock aiosmtpd with IntakeSMTP's line limit, so long lines compare like for like."""

    line_length_limit = 1 << 20


class Capture:
    """Handler that records what DATA delivered and answers 250."""

    def __init__(self) -> None:
        self.contents: list[bytes] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.contents.append(bytes(envelope.original_content))
        return "250 2.0.0 captured"


@dataclass
class Listener:
    port: int
    handler: Capture = field(default_factory=Capture)


class Listeners:
    """One event loop in a thread serving stock and fast SMTP, with a big and a small limit."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.servers: list[asyncio.base_events.Server] = []
        self.by_name: dict[tuple[str, int], Listener] = {}
        for kind, cls in (("stock", StockSMTP), ("fast", IntakeSMTP)):
            for limit in (BIG_LIMIT, SMALL_LIMIT):
                listener = Listener(free_port())
                self._serve(cls, listener, limit)
                self.by_name[kind, limit] = listener

    def _serve(self, cls: type[SMTP], listener: Listener, limit: int) -> None:
        async def start() -> asyncio.base_events.Server:
            loop = asyncio.get_running_loop()
            return await loop.create_server(
                lambda: cls(
                    listener.handler, loop=loop, data_size_limit=limit, decode_data=False,
                    enable_SMTPUTF8=True, hostname="test",
                ),
                host="127.0.0.1",
                port=listener.port,
            )  # fmt: skip

        self.servers.append(asyncio.run_coroutine_threadsafe(start(), self.loop).result(10))

    def close(self) -> None:
        async def stop() -> None:
            for server in self.servers:
                server.close()

        asyncio.run_coroutine_threadsafe(stop(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


@pytest.fixture(scope="module")
def listeners() -> Iterator[Listeners]:
    servers = Listeners()
    yield servers
    servers.close()


class Client:
    """A raw-socket SMTP client that sends exactly the bytes it is given, in given pieces."""

    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=20)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buffer = b""
        assert self.reply().startswith("220")

    def reply(self) -> str:
        """The next complete reply (multi-line replies joined), as text."""
        lines = []
        while True:
            while b"\r\n" not in self.buffer:
                data = self.sock.recv(65536)
                if not data:
                    raise ConnectionError("server closed the connection")
                self.buffer += data
            line, self.buffer = self.buffer.split(b"\r\n", 1)
            lines.append(line.decode())
            if len(line) < 4 or line[3:4] != b"-":
                return "\n".join(lines)

    def command(self, line: str) -> str:
        self.sock.sendall(line.encode() + b"\r\n")
        return self.reply()

    def send(self, data: bytes, pieces: list[int] | None = None) -> None:
        if not pieces:
            self.sock.sendall(data)
            return
        at = 0
        for size in pieces:
            self.sock.sendall(data[at : at + size])
            at += size
            time.sleep(0.0002)  # let the server read this piece on its own
        self.sock.sendall(data[at:])

    def start_data(self) -> None:
        assert self.command("EHLO client.test").startswith("250")
        assert self.command("MAIL FROM:<sender@example.org>").startswith("250")
        assert self.command(f"RCPT TO:<{PARTY_MAILBOX}>").startswith("250")
        assert self.command("DATA").startswith("354")

    def close(self) -> None:
        try:
            self.command("QUIT")
        finally:
            self.sock.close()


def transact(
    listener: Listener, wire: bytes, pieces: list[int] | None = None
) -> tuple[str, bytes | None]:
    """Send one DATA stream (terminator included); the reply and what the handler got."""
    listener.handler.contents.clear()
    client = Client(listener.port)
    try:
        client.start_data()
        client.send(wire, pieces)
        reply = client.reply()
        # The session goes on after the reply (also after 552).
        assert client.command("NOOP").startswith("250")
    finally:
        client.close()
    got = listener.handler.contents
    assert len(got) <= 1
    return reply, (got[0] if got else None)


def reference(wire: bytes) -> bytes:
    """RFC 5321 4.5.2 as aiosmtpd does it: CRLF lines, up to ".", one leading dot removed."""
    out = []
    rest = wire
    while True:
        line, sep, rest = rest.partition(b"\r\n")
        assert sep, "wire data must end with the terminating line"
        if line == b".":
            return b"".join(out)
        out.append((line[1:] if line.startswith(b".") else line) + b"\r\n")


LINE_KINDS = [
    b"", b".", b"..", b"...", b".x", b"..x", b"x.", b"x..", b"\r", b"\n", b".\r", b".\n",
    b"\r.", b"\n.", b"\n.\r", b"a\rb", b"a\nb", b"a\n.\rb", b"\r\r", b"\n\n", b". .",
    b"Subject: th\xe1\xbb\x83 th\xe1\xbb\xad", b"=E1=BA=A1.", b"\x00\xff",
]  # fmt: skip


def random_wire(rng: random.Random, max_lines: int = 60, long_lines: bool = False) -> bytes:
    """Random DATA as a client might send it, ending with the terminating line.

    Lines mix dots, bare CR and LF, 8-bit bytes and (optionally) very long lines; no line is
    a lone "." before the end, as a client would have stuffed it.
    """
    lines = []
    for _ in range(rng.randrange(0, max_lines)):
        roll = rng.random()
        if roll < 0.5:
            line = rng.choice(LINE_KINDS)
        elif roll < 0.9:
            line = bytes(rng.choice(b"ab.\r\n =") for _ in range(rng.randrange(1, 40)))
        elif long_lines:
            line = (b"." if rng.random() < 0.5 else b"") + b"L" * rng.randrange(1000, 300_000)
        else:
            line = b"x" * rng.randrange(100, 3000)
        lines.append(line + b"\r\n")
    body = b"".join(lines)
    # Random bytes can spell CRLF "." CRLF: stuff those dots as a client would.
    while b"\r\n.\r\n" in body:
        body = body.replace(b"\r\n.\r\n", b"\r\n..\r\n")
    if body.startswith(b".\r\n"):
        body = b"." + body
    return body + b".\r\n"


def random_pieces(rng: random.Random, total: int) -> list[int]:
    pieces = []
    while sum(pieces) < total and len(pieces) < 200:
        sizes = [1, 1, 2, 3, 4, 5, rng.randrange(1, 200), rng.randrange(1, 70000)]
        pieces.append(rng.choice(sizes))
    return pieces


def both(
    listeners: Listeners, limit: int, wire: bytes, pieces: list[int] | None
) -> tuple[Any, Any]:
    return (
        transact(listeners.by_name["stock", limit], wire, pieces),
        transact(listeners.by_name["fast", limit], wire, pieces),
    )


@pytest.mark.parametrize("seed", range(40))
def test_random_data_same_as_stock(listeners: Listeners, seed: int) -> None:
    """Random DATA (dots, bare CR/LF, long lines) in random pieces: same bytes and reply."""
    rng = random.Random(seed)
    wire = random_wire(rng, long_lines=seed % 4 == 0)
    pieces = random_pieces(rng, len(wire))
    (stock_reply, stock_got), (fast_reply, fast_got) = both(listeners, BIG_LIMIT, wire, pieces)
    assert fast_got == stock_got == reference(wire)
    assert fast_reply.startswith("250") and stock_reply.startswith("250")


@pytest.mark.parametrize(
    "wire, expected",
    [
        (b".\r\n", b""),
        (b"..\r\n.\r\n", b".\r\n"),
        (b"...\r\n.\r\n", b"..\r\n"),
        (b"..\r\n..\r\n.\r\n", b".\r\n.\r\n"),
        (b"\r\n.\r\n", b"\r\n"),
        (b"a\r\n.\r\n", b"a\r\n"),
        (b"a.\r\n.\r\n", b"a.\r\n"),
        (b"a\n.\r\n.\r\n", b"a\n.\r\n"),
        (b"a\r.\r\n.\r\n", b"a\r.\r\n"),
        (b".a\r\n.b\r\n.\r\n", b"a\r\nb\r\n"),
        (b"x\r\n. \r\n.\r\n", b"x\r\n \r\n"),
    ],
)
def test_edge_cases_same_as_stock(listeners: Listeners, wire: bytes, expected: bytes) -> None:
    """Empty message, first line "..", lone dots after bare CR or LF: the stock result."""
    for pieces in (None, [1] * len(wire)):
        (_, stock_got), (fast_reply, fast_got) = both(listeners, BIG_LIMIT, wire, pieces)
        assert stock_got == expected
        assert fast_got == expected
        assert fast_reply.startswith("250")


@pytest.mark.parametrize("cut", range(1, 8))
def test_terminator_split_anywhere(listeners: Listeners, cut: int) -> None:
    """The end of data is found whichever byte of CRLF "." CRLF a piece ends on."""
    wire = b"first\r\n..second\r\nthird\r\n.\r\n"
    at = len(wire) - 5 - 2 + cut  # cuts around "\r\n.\r\n" at the end
    (_, stock_got), (_, fast_got) = both(listeners, BIG_LIMIT, wire, [at])
    assert fast_got == stock_got == b"first\r\n.second\r\nthird\r\n"


def test_line_longer_than_stream_limit_is_kept() -> None:
    """A 3 MB line (stock would answer 500) is stored exactly, the session carries on."""
    # Each random byte mapped onto "a", "b", CR or "." (a quarter each): no LF, so one line.
    alphabet = bytes(b"ab\r."[i % 4] for i in range(256))
    line = b"." + random.Random(1).randbytes(3 << 20).translate(alphabet)
    wire = b"Subject: long\r\n" + line + b"\r\n..\r\n.\r\n"

    async def run() -> bytes | None:
        server_side = Listener(free_port())
        loop = asyncio.get_running_loop()
        server = await loop.create_server(
            lambda: IntakeSMTP(server_side.handler, loop=loop, data_size_limit=BIG_LIMIT),
            host="127.0.0.1",
            port=server_side.port,
        )
        try:
            reply, got = await asyncio.to_thread(transact, server_side, wire, None)
            assert reply.startswith("250")
            return got
        finally:
            server.close()

    assert asyncio.run(run()) == reference(wire)


@pytest.mark.parametrize("extra", [-2, -1, 0, 1, 2, 500])
def test_size_limit_552_same_as_stock(listeners: Listeners, extra: int) -> None:
    """Over data_size_limit (counted as sent, line ends included): 552 after draining, as stock."""
    sent = SMALL_LIMIT + extra
    lines = b"".join(b"..line %04d\r\n" % i for i in range(200))  # dot-stuffed, 13 bytes each
    kept = lines[: (sent - 20) // 13 * 13]
    wire = kept + b"x" * (sent - len(kept) - 2) + b"\r\n" + b".\r\n"
    assert len(wire) - 3 == sent
    rng = random.Random(extra)
    pieces = random_pieces(rng, len(wire))
    (stock_reply, stock_got), (fast_reply, fast_got) = both(listeners, SMALL_LIMIT, wire, pieces)
    assert fast_reply.split()[0] == stock_reply.split()[0]
    assert fast_got == stock_got
    if extra > 0:
        assert fast_reply.startswith("552") and fast_got is None
    else:
        assert fast_reply.startswith("250") and fast_got == reference(wire)


@pytest.mark.parametrize("kind", ["stock", "fast"])
def test_pipelined_commands_after_terminator(listeners: Listeners, kind: str) -> None:
    """Commands sent in the same packet as the end of data are all answered, in order."""
    listener = listeners.by_name[kind, BIG_LIMIT]
    listener.handler.contents.clear()
    client = Client(listener.port)
    try:
        client.start_data()
        client.send(
            b"one\r\n..dot\r\n.\r\n"
            b"MAIL FROM:<a@example.org>\r\n"
            + f"RCPT TO:<{PARTY_MAILBOX}>\r\n".encode()
            + b"DATA\r\n"
            b"two\r\n.\r\nNOOP\r\n"
        )
        replies = [client.reply() for _ in range(6)]
    finally:
        client.close()
    assert [r[:3] for r in replies] == ["250", "250", "250", "354", "250", "250"]
    assert listener.handler.contents == [b"one\r\n.dot\r\n", b"two\r\n"]


def test_connection_lost_during_data(listeners: Listeners) -> None:
    """A client vanishing mid-DATA delivers nothing; the listener keeps serving."""
    listener = listeners.by_name["fast", BIG_LIMIT]
    listener.handler.contents.clear()
    client = Client(listener.port)
    client.start_data()
    client.send(b"half a message\r\n.")
    client.sock.close()
    time.sleep(0.2)
    assert listener.handler.contents == []
    reply, got = transact(listener, b"next\r\n.\r\n")
    assert reply.startswith("250") and got == b"next\r\n"


# ----------------------------------------------------------------- read_data on a StreamReader


async def _read_in_pieces(
    wire: bytes, after: bytes, pieces: list[int], limit: int, size: int | None
) -> tuple[bytes | None, bytes]:
    """Feed wire+after to a real StreamReader piece by piece while read_data runs."""
    reader = asyncio.StreamReader(limit=limit)
    data = wire + after

    async def feed() -> None:
        at = 0
        for n in pieces:
            reader.feed_data(data[at : at + n])
            at += n
            await asyncio.sleep(0)
        reader.feed_data(data[at:])
        reader.feed_eof()

    feeder = asyncio.create_task(feed())
    content = await read_data(reader, size)
    await feeder
    return content, await reader.read()


@pytest.mark.parametrize("seed", range(300))
def test_read_data_matches_reference_with_tiny_limit(seed: int) -> None:
    """With a 16-byte reader limit and 1-byte pieces, content and leftovers are exact."""
    rng = random.Random(1000 + seed)
    wire = random_wire(rng, max_lines=30)
    after = b"QUIT\r\n" if seed % 2 else b".\r\nRSET\r\n"
    pieces = [rng.choice([1, 1, 2, 3, 7, 16, 50]) for _ in range(len(wire) // 2)]
    content, left = asyncio.run(_read_in_pieces(wire, after, pieces, 16, None))
    assert content == reference(wire)
    assert left == after


@pytest.mark.parametrize("seed", range(60))
def test_read_data_size_limit_matches_reference(seed: int) -> None:
    """The limit counts bytes as sent before the terminator: over it, None and all drained."""
    rng = random.Random(5000 + seed)
    wire = random_wire(rng, max_lines=30)
    sent = len(wire) - 3
    size_limit = max(1, sent + rng.choice([-3, -1, 0, 0, 1, 5]))
    pieces = [rng.choice([1, 2, 5, 40]) for _ in range(len(wire))]
    content, left = asyncio.run(_read_in_pieces(wire, b"NOOP\r\n", pieces, 32, size_limit))
    assert content == (reference(wire) if sent <= size_limit else None)
    assert left == b"NOOP\r\n"


# ----------------------------------------------------------------- swaks, the gateway listener


@pytest.fixture
def gateway_port(tmp_path: Path, database_url: str) -> Iterator[tuple[App, int]]:
    port = free_port()
    settings = make_settings(tmp_path, database_url, smtp={"listen": f"127.0.0.1:{port}"})
    app = App(settings)
    app.init()
    committer = GroupCommitter(Intake(settings, app.db, app.blobs), settings.smtp.max_batch)
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    server: Future[asyncio.base_events.Server] = asyncio.run_coroutine_threadsafe(
        start_smtp_server(settings, committer), loop
    )
    listening = server.result(10)
    try:
        yield app, port
    finally:
        loop.call_soon_threadsafe(listening.close)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        committer.close()
        app.close()


@pytest.mark.skipif(shutil.which("swaks") is None, reason="swaks is not installed")
@pytest.mark.parametrize("pipelining", [False, True])
def test_swaks_message_with_dots_stored_byte_for_byte(
    gateway_port: tuple[App, int], tmp_path: Path, pipelining: bool
) -> None:
    """swaks dot-stuffs a message with leading dots; the gateway stores the original bytes,
    also when swaks pipelines MAIL, RCPT and DATA (which it does once PIPELINING is offered)."""
    app, port = gateway_port
    body = b"".join(b"." * (i % 4) + b"d\xc3\xb2ng %d\r\n" % i for i in range(5000))
    message = (
        b"From: <vanthu@tinhuy.hagiang.dcs.vn>\r\nTo: <" + PARTY_MAILBOX.encode() + b">\r\n"
        b"Subject: =?utf-8?q?C=C3=B4ng_v=C4=83n?=\r\nMessage-ID: <dots-1@tinhuy>\r\n\r\n"
        b"..\r\n" + body + b"." + b"\r\nlast line\r\n"
    )
    source = tmp_path / "message.eml"
    source.write_bytes(message.removesuffix(b"\r\n"))  # swaks ends the last line itself
    result = subprocess.run(
        ["swaks", "--server", f"127.0.0.1:{port}", "--from", "vanthu@tinhuy.hagiang.dcs.vn",
         "--to", PARTY_MAILBOX, "--data", f"@{source}", *(["--pipeline"] if pipelining else [])],
        capture_output=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout.decode()[-2000:]
    assert b"250 2.0.0 OK: stored as message" in result.stdout
    if pipelining:  # DATA went out before the recipient's reply came back
        assert result.stdout.index(b" -> DATA") < result.stdout.index(b"<-  250 2.1.5")
    with app.db.transaction() as session:
        sha = session.scalars(select(InboundMessage.raw_sha256)).one()
    assert read_raw(app.db, app.blobs, sha) == message


def test_ehlo_advertises_pipelining(gateway_port: tuple[App, int]) -> None:
    """EHLO lists PIPELINING beside aiosmtpd's own extensions; the last line stays last."""
    _, port = gateway_port
    client = Client(port)
    try:
        lines = client.command("EHLO mail.tinhuy.hagiang.dcs.vn").split("\n")
    finally:
        client.close()
    assert "250-PIPELINING" in lines
    assert {"250-8BITMIME", "250-SMTPUTF8"} <= set(lines)
    assert lines[-1] == "250 HELP"


def test_pipelined_messages_are_each_stored_and_answered_in_order(
    gateway_port: tuple[App, int],
) -> None:
    """A pipelining sender: envelope groups in one packet, the next group in the same packet
    as the end of data, a refused recipient inside a group. Every reply comes in order, and
    each message is stored once for the official recipient."""
    app, port = gateway_port
    envelope = (
        b"MAIL FROM:<vanthu@tinhuy.hagiang.dcs.vn>\r\n"
        b"RCPT TO:<someone@gmail.com>\r\n"
        + f"RCPT TO:<{PARTY_MAILBOX}>\r\n".encode()
        + b"DATA\r\n"
    )
    first = b"Message-ID: <pipelined-1@tinhuy>\r\nSubject: 1\r\n\r\nmot\r\n"
    second = b"Message-ID: <pipelined-2@tinhuy>\r\nSubject: 2\r\n\r\nhai\r\n"
    client = Client(port)
    try:
        assert "PIPELINING" in client.command("EHLO mail.tinhuy.hagiang.dcs.vn")
        client.send(envelope)
        replies = [client.reply() for _ in range(4)]
        client.send(first + b".\r\n" + envelope)
        replies += [client.reply() for _ in range(5)]
        client.send(second + b".\r\n")
        replies.append(client.reply())
    finally:
        client.close()
    codes = [reply[:3] for reply in replies]
    assert codes == ["250", "550", "250", "354", "250", "250", "550", "250", "354", "250"]
    assert "stored as message" in replies[4] and "stored as message" in replies[9]
    with app.db.transaction() as session:
        shas = list(session.scalars(select(InboundMessage.raw_sha256).order_by(InboundMessage.id)))
        mailboxes = set(session.scalars(select(InboundMessage.mailbox)))
    assert [read_raw(app.db, app.blobs, sha) for sha in shas] == [first, second]
    assert mailboxes == {PARTY_MAILBOX}


# ----------------------------------------------------------------- group commit: batched rows


def _store_rounds(folder: Path, batched: bool, database_url: str = "") -> tuple[Any, ...]:
    settings = make_settings(folder, database_url)
    app = App(settings)
    app.init()
    intake = Intake(settings, app.db, app.blobs)
    rng = random.Random(5)
    raws = [b"Message-ID: <%d@x>\r\nSubject: s\r\n\r\nbody %d" % (i % 4, i % 3) for i in range(12)]
    raws += [b"no message id %d" % (i % 2) for i in range(3)]
    mailboxes = [[PARTY_MAILBOX], [STATE_MAILBOX], [PARTY_MAILBOX, STATE_MAILBOX.upper()], []]
    received = dt.datetime(2026, 11, 23, 8, 30, 15, 123456, tzinfo=dt.UTC)
    results = []
    try:
        for round_ in range(3):
            mails = [
                IncomingMail(rng.choice(raws), rng.choice(mailboxes), "smtp", peer="192.0.2.1",
                             received_at=received + dt.timedelta(minutes=round_))
                for _ in range(10)
            ]  # fmt: skip
            shas = [blob.sha256 for blob in app.blobs.put_many(m.raw for m in mails[5:])]
            shas = [hashlib.sha256(m.raw).hexdigest() for m in mails[:5]] + shas
            spool = {sha: m.raw for sha, m in zip(shas[:5], mails, strict=False)}  # one flush
            summaries = [summarise_headers(m.raw) for m in mails]
            with app.db.transaction() as session:
                if batched:
                    results.append(intake._record_batch(session, mails, shas, summaries, spool))
                else:
                    rows = zip(mails, shas, summaries, strict=True)
                    results.append([intake._record(session, *args, spool) for args in rows])
        with app.db.transaction() as session:
            messages = [
                (m.id, m.organisation_id, m.mailbox, m.dedupe_key, m.raw_sha256, m.size,
                 m.subject, m.state, m.attempts, m.message_id, m.envelope_from, m.received_at)
                for m in session.scalars(select(InboundMessage).order_by(InboundMessage.id))
            ]  # fmt: skip
            deliveries = [
                (d.id, d.message_id, d.mailbox, d.raw_sha256, d.peer, d.source, d.received_at)
                for d in session.scalars(select(Delivery).order_by(Delivery.id))
            ]
            blobs = sorted((b.sha256, b.size) for b in session.scalars(select(Blob)))
            spooled = sorted((r.sha256, r.data) for r in session.scalars(select(RawSpool)))
            # As stored (SQLite keeps datetimes as text): the same representation too.
            stored_times = session.connection().exec_driver_sql(
                "SELECT m.received_at, d.received_at FROM inbound_messages m"
                " JOIN deliveries d ON d.message_id = m.id ORDER BY d.id"
            ).all()
    finally:
        app.close()
    # Message ids by rank: PostgreSQL spends a sequence value on each row an insert skips
    # as already stored, so batched ids may have gaps; their order is what must match.
    rank = {row[0]: number for number, row in enumerate(messages, start=1)}
    results = [
        [Stored(tuple(rank[i] for i in stored.message_ids), stored.duplicate) for stored in batch]
        for batch in results
    ]
    messages = [(rank[row[0]], *row[1:]) for row in messages]
    deliveries = [(row[0], rank[row[1]], *row[2:]) for row in deliveries]
    return results, messages, deliveries, blobs, spooled, stored_times


def test_batched_record_same_rows_as_one_by_one(
    tmp_path: Path, database_url: str, request: pytest.FixtureRequest
) -> None:
    """A batch (repeats, two organisations, no mailbox) gives the rows and results of _record."""
    (tmp_path / "one").mkdir()
    (tmp_path / "batch").mkdir()
    one_by_one = _store_rounds(tmp_path / "one", False, database_url)
    if database_url:  # PostgreSQL: the same database again, emptied, ids restarted
        request.getfixturevalue("postgres").empty()
    batched = _store_rounds(tmp_path / "batch", True, database_url)
    assert batched == one_by_one
    assert any(stored.duplicate for stored in batched[0][0])  # repeats within a batch
    assert batched[4]  # spooled raws were compared too

"""Durable SMTP intake against a no-op aiosmtpd server and a private Postfix, side by side.

    .venv/bin/python bench/smtp_intake.py            # full run (a few minutes)
    .venv/bin/python bench/smtp_intake.py --quick    # smoke run (well under a minute)

One run starts, each on its own 127.0.0.1 high port:

- ``noop-stock``: aiosmtpd's stock ``SMTP`` with a handler that answers 250 at once (the
  ceiling for anything built on aiosmtpd as shipped);
- ``noop-fast``: the same no-op handler on the gateway's ``IntakeSMTP`` (its fast DATA reader),
  to show what the reader alone gains and what durability then costs;
- ``noop-uvloop``: ``noop-stock`` on uvloop, the event loop ``gateway serve`` runs on, to show
  what the loop alone gains (both noop-stock and noop-fast run on the standard loop);
- ``gateway``: ``gateway serve`` with a temporary config, SQLite under a temporary data root,
  no pipeline workers (only intake is measured): 250 means raw bytes + row are durable
  (``--spool-max`` sets ``storage.spool_max``; ``--nospool`` adds ``gw-nospool``, the same code
  with the raw spool off, and ``--compare DIR`` adds ``gw-before``, another checkout);
- ``floor`` (``--floor``): the least any durable intake costs on this machine, on the same
  fast reader: each message's bytes written into a preallocated journal file and
  ``fdatasync``-ed in one worker thread (two thread hand-offs, one flush, no database, no
  batching); ``floor-inline`` does the same on the event loop (no hand-offs, the loop blocked);
  ``floor-sqlite`` commits each message as one row of a one-table SQLite database set up as
  the gateway's, in one worker thread (the least "raw bytes and message row committed" costs);
- ``postfix``: a private Postfix (``postfix -c DIR start``, needs root) that fsyncs each queue
  file before answering 250 and then discards -- what a unit would otherwise run.

Each is driven by the same ``smtp-source`` load (1 and 20 sessions, 5 KB and 500 KB, sessions
kept open with -d; ``--sustained COUNT`` adds a 20 x 5 KB load long enough for the gateway's
spooler, which waits for a quiet moment or at most 5 s, to run during it), the servers taking
turns within each round so that background noise hits them alike (and each settles before the
next one's turn: the gateway's spool emptied, Postfix's queue discarded); the table shows the median
of the rounds and the ratios. The gateway's stored message count is checked against what was
sent, and the average batch size is read from the database (the rows of one group commit
share their ``received_at``). ``--syscalls`` then runs each load once more per gateway under
``strace -f -y`` and counts its fsync/fdatasync/syncfs calls per batch by target (SQLite WAL,
SQLite main file, blob files, blob directories, whole filesystem). Finally a fresh daemon
receives one 25 MB message and its peak RSS (VmHWM) is compared with its idle RSS.

Everything is bounded (timeouts on every wait) and cleaned up (servers stopped, temp removed).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
MAILBOX = "vanthu@huyenuy.meovac.hagiang.dcs.vn"
SENDER = "vanthu@tinhuy.hagiang.dcs.vn"
MAX_MESSAGE_SIZE = 26_214_400
START_TIMEOUT = 60.0


@dataclass(frozen=True)
class Load:
    sessions: int
    size: int  # smtp-source -l: payload bytes
    count: int
    sustained: bool = False  # long enough for the gateway's spooler to run during the load

    @property
    def label(self) -> str:
        size = f"{self.size // 1000} KB" if self.size < 1_000_000 else f"{self.size // 10**6} MB"
        return f"{self.sessions:>2} x {size}" + (f" x {self.count}" if self.sustained else "")


FULL_LOADS = [
    Load(20, 5_000, 2000),
    Load(1, 5_000, 400),
    Load(20, 500_000, 300),
    Load(1, 500_000, 100),
]
QUICK_LOADS = [
    Load(20, 5_000, 200),
    Load(1, 5_000, 40),
    Load(20, 500_000, 30),
    Load(1, 500_000, 10),
]


# --------------------------------------------------------------------------- helpers


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for_port(port: int, process: subprocess.Popen[bytes] | None = None) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode} before listening")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                s.recv(100)  # the greeting: the listener is really serving
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nothing listens on port {port} after {START_TIMEOUT}s")


def proc_status(pid: int) -> dict[str, int]:
    """VmRSS / VmHWM of a process in bytes (Linux)."""
    values: dict[str, int] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            values[key] = int(rest.split()[0]) * 1024
    return values


def reset_peak(pid: int) -> bool:
    """Reset VmHWM to the current RSS (Linux >= 4.0: write 5 to clear_refs)."""
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def smtp_source(port: int, load: Load, timeout: float = 600) -> float:
    """Send ``load`` with smtp-source; returns the wall-clock seconds. Raises on any failure."""
    command = [
        "smtp-source", "-d", "-s", str(load.sessions), "-m", str(load.count),
        "-l", str(load.size), "-f", SENDER, "-t", MAILBOX, f"127.0.0.1:{port}",
    ]  # fmt: skip
    started = time.perf_counter()
    result = subprocess.run(command, capture_output=True, timeout=timeout)
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        raise RuntimeError(
            f"smtp-source failed ({result.returncode}) on port {port}: "
            f"{result.stderr.decode(errors='replace')[-500:]}"
        )
    return elapsed


# --------------------------------------------------------------------------- no-op servers


async def _serve_noop(port: int, fast: bool) -> None:
    from aiosmtpd.smtp import SMTP

    smtp_class: type[SMTP] = SMTP
    if fast:
        from gateway.intake.smtp import IntakeSMTP

        smtp_class = IntakeSMTP

    class NoopHandler:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            return "250 2.0.0 OK"

    await _serve_until_signal(port, smtp_class, NoopHandler())


async def _serve_until_signal(port: int, smtp_class: type[Any], handler: Any) -> None:
    """Serve SMTP with ``handler`` until SIGTERM or SIGINT.

    The same options and event-loop set-up as gateway.intake.smtp.start_smtp_server.
    """
    options: dict[str, Any] = {
        "data_size_limit": MAX_MESSAGE_SIZE,
        "enable_SMTPUTF8": True,
        "decode_data": False,
        "ident": "bench",
    }
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: smtp_class(handler, loop=loop, **options), host="127.0.0.1", port=port
    )
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    server.close()


class FloorJournal:
    """Append-and-flush into a preallocated file: the cheapest durable 250 (no database).

    The file is written once in full and fsync'd first, and then overwritten round-robin,
    as SQLite overwrites its write-ahead log: each ``fdatasync`` then flushes data only,
    never the file's size.
    """

    SIZE = 64 * 2**20

    def __init__(self, path: Path) -> None:
        self.fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o600)
        chunk = b"\0" * 2**20
        for offset in range(0, self.SIZE, len(chunk)):
            os.pwrite(self.fd, chunk, offset)
        os.fsync(self.fd)
        self.offset = 0

    def append(self, data: bytes) -> None:
        if self.offset + len(data) > self.SIZE:
            self.offset = 0
        os.pwrite(self.fd, data, self.offset)  # a message over 64 MiB would just grow the file
        self.offset += len(data)
        os.fdatasync(self.fd)


class FloorTable:
    """The least a database commit of "raw bytes and message row" costs: one row in one
    table (no index, no other table), SQLite set up as the gateway's (WAL, synchronous=FULL,
    the same checkpoint interval), one transaction per message."""

    def __init__(self, path: Path) -> None:
        from gateway.db.engine import WAL_CHECKPOINT_PAGES

        self.db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self.db.execute("PRAGMA journal_mode = WAL")
        self.db.execute("PRAGMA synchronous = FULL")
        self.db.execute(f"PRAGMA wal_autocheckpoint = {WAL_CHECKPOINT_PAGES}")
        self.db.execute(
            "CREATE TABLE IF NOT EXISTS messages (id INTEGER PRIMARY KEY, raw BLOB, received TEXT)"
        )

    def append(self, data: bytes) -> None:
        self.db.execute("BEGIN IMMEDIATE")
        self.db.execute("INSERT INTO messages (raw, received) VALUES (?, datetime())", (data,))
        self.db.execute("COMMIT")


async def _serve_floor(port: int, journal_path: Path, kind: str) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from gateway.intake.smtp import IntakeSMTP

    store = FloorTable(journal_path) if kind == "sqlite" else FloorJournal(journal_path)
    flusher = ThreadPoolExecutor(max_workers=1)  # one flush at a time, as one committer

    class FloorHandler:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            data = bytes(envelope.original_content)
            if kind == "inline":
                store.append(data)
            else:
                await asyncio.get_running_loop().run_in_executor(flusher, store.append, data)
            return "250 2.0.0 OK"

    await _serve_until_signal(port, IntakeSMTP, FloorHandler())
    flusher.shutdown()


class Server:
    name = ""

    def __init__(self, work: Path) -> None:
        self.work = work
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def start(self) -> None:
        raise NotImplementedError

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(30)

    def stored(self) -> int | None:
        """How many messages the server durably holds (None: not applicable)."""
        return None

    def settle(self, timeout: float = 300) -> None:
        """Wait until the work a load left behind is done, so that it cannot slow down the
        next server's measurement (the gateway's spooler, Postfix's queue manager)."""


class NoopServer(Server):
    def __init__(self, work: Path, fast: bool, uvloop: bool = False) -> None:
        super().__init__(work)
        self.fast = fast
        self.uvloop = uvloop
        self.name = "noop-uvloop" if uvloop else "noop-fast" if fast else "noop-stock"

    def start(self) -> None:
        command = [sys.executable, str(Path(__file__).resolve()), "--serve-noop", str(self.port)]
        if self.fast:
            command.append("--fast")
        if self.uvloop:
            command.append("--uvloop")
        log = (self.work / f"{self.name}.log").open("ab")
        self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, cwd=REPO)
        wait_for_port(self.port, self.process)


FLOOR_KINDS = {"thread": "floor", "inline": "floor-inline", "sqlite": "floor-sqlite"}


class FloorServer(Server):
    def __init__(self, work: Path, kind: str) -> None:
        super().__init__(work)
        self.kind = kind
        self.name = FLOOR_KINDS[kind]

    def start(self) -> None:
        journal = self.work / f"{self.name}.journal"
        command = [sys.executable, str(Path(__file__).resolve()), "--serve-floor", str(self.port)]
        command += ["--journal", str(journal), "--floor-kind", self.kind]
        log = (self.work / f"{self.name}.log").open("ab")
        self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, cwd=REPO)
        wait_for_port(self.port, self.process)


class GatewayServer(Server):
    name = "gateway"

    def __init__(
        self,
        work: Path,
        max_batch: int = 64,
        source: Path = REPO,
        name: str = "gateway",
        spool_max: int | None = None,
    ) -> None:
        super().__init__(work)
        self.name = name
        self.source = source  # a checkout to run (compare two versions side by side)
        self.root = work / name
        self.root.mkdir(exist_ok=True)
        self.config = self.root / "gateway.toml"
        (self.root / "rules").mkdir(exist_ok=True)
        self.config.write_text(
            "\n".join(
                [
                    "[storage]",
                    'root = "archive"',
                    *([f"spool_max = {spool_max}"] if spool_max is not None else []),
                    "[smtp]",
                    f'listen = "127.0.0.1:{self.port}"',
                    f"max_message_size = {MAX_MESSAGE_SIZE}",
                    f"max_batch = {max_batch}",
                    "[pipeline]",
                    "workers = 0",
                    "[[organisations]]",
                    'code = "huyenuy-meovac"',
                    'name = "Huyện ủy Mèo Vạc"',
                    'system = "party"',
                    f'mailboxes = ["{MAILBOX}"]',
                    "",
                ]
            ),
            encoding="utf-8",
        )
        self.database = self.root / "archive" / "gateway.sqlite3"
        self._gateway("init")

    def _gateway(self, *args: str) -> None:
        subprocess.run(
            [sys.executable, "-m", "gateway", *args, "--config", str(self.config)],
            cwd=self.source,
            check=True,
            capture_output=True,
            timeout=120,
        )

    def start(self) -> None:
        log = (self.work / f"{self.name}.log").open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gateway", "serve", "--config", str(self.config)],
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=self.source,
        )
        wait_for_port(self.port, self.process)

    def stored(self) -> int:
        with contextlib.closing(sqlite3.connect(f"file:{self.database}?mode=ro", uri=True)) as db:
            return int(db.execute("SELECT count(*) FROM inbound_messages").fetchone()[0])

    def settle(self, timeout: float = 300) -> None:
        """Wait until the spooler has moved every raw of the load into the blob store."""
        query = "SELECT count(*) FROM raw_spool"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            uri = f"file:{self.database}?mode=ro"
            with contextlib.closing(sqlite3.connect(uri, uri=True)) as db:
                if db.execute(query).fetchone()[0] == 0:
                    return
            time.sleep(0.1)
        raise TimeoutError(f"{self.name}: raw spool not empty after {timeout}s")

    def last_id(self) -> int:
        with contextlib.closing(sqlite3.connect(f"file:{self.database}?mode=ro", uri=True)) as db:
            query = "SELECT coalesce(max(id), 0) FROM inbound_messages"
            return int(db.execute(query).fetchone()[0])

    def batches_since(self, last_id: int) -> int:
        """Group commits since ``last_id``: rows of one batch share their received_at."""
        with contextlib.closing(sqlite3.connect(f"file:{self.database}?mode=ro", uri=True)) as db:
            query = "SELECT count(DISTINCT received_at) FROM inbound_messages WHERE id > ?"
            return int(db.execute(query, (last_id,)).fetchone()[0])


MASTER_CF_SERVICES = """\
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
proxywrite unix -       -       n       -       1       proxymap
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
"""


class PostfixServer(Server):
    """A private Postfix: its own config, queue and data folders; queues (fsync), discards."""

    name = "postfix"

    def __init__(self, work: Path) -> None:
        super().__init__(work)
        self.dir = work / "postfix"
        self.conf = self.dir / "conf"
        queue = self.dir / "queue"
        data = self.dir / "data"
        for folder in (self.conf, queue, data):
            folder.mkdir(parents=True)
        shutil.chown(data, "postfix")
        (self.conf / "main.cf").write_text(
            "\n".join(
                [
                    "compatibility_level = 3.6",
                    f"queue_directory = {queue}",
                    f"data_directory = {data}",
                    "myhostname = bench.invalid",
                    "mydestination =",
                    "relay_domains =",
                    "mynetworks = 127.0.0.0/8",
                    "inet_interfaces = loopback-only",
                    "inet_protocols = ipv4",
                    "smtpd_relay_restrictions = permit_mynetworks, reject",
                    "default_transport = discard:",
                    "local_transport = discard:",
                    "relay_transport = discard:",
                    "alias_maps =",
                    "alias_database =",
                    "local_recipient_maps =",
                    f"maillog_file = {self.dir}/maillog",
                    f"maillog_file_prefixes = {self.dir}",
                    "biff = no",
                    f"message_size_limit = {MAX_MESSAGE_SIZE}",
                    "smtpd_client_connection_count_limit = 0",
                    "smtpd_client_connection_rate_limit = 0",
                    "",
                ]
            )
        )
        (self.conf / "master.cf").write_text(
            f"127.0.0.1:{self.port} inet n - n - - smtpd\n" + MASTER_CF_SERVICES
        )
        self.started = False

    def settle(self, timeout: float = 300) -> None:
        """Wait until Postfix has discarded (and deleted) every queued message."""
        queues = [self.dir / "queue" / name for name in ("maildrop", "incoming", "active")]
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not any(path.is_file() for queue in queues for path in queue.rglob("*")):
                return
            time.sleep(0.1)
        raise TimeoutError(f"postfix: queue not empty after {timeout}s")

    def _postfix(self, action: str) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run(
            ["postfix", "-c", str(self.conf), action], capture_output=True, timeout=60
        )

    @property
    def pid(self) -> int:
        return int((self.dir / "queue" / "pid" / "master.pid").read_text().split()[0])

    def start(self) -> None:
        result = self._postfix("start")
        self.started = True
        if result.returncode != 0:
            log = self.dir / "maillog"
            tail = log.read_text(errors="replace")[-1500:] if log.exists() else ""
            raise RuntimeError(f"postfix start failed: {result.stderr.decode()}{tail}")
        wait_for_port(self.port)

    def stop(self) -> None:
        if not self.started:
            return
        try:
            pid: int | None = self.pid
        except (OSError, ValueError):
            pid = None
        self._postfix("stop")
        deadline = time.monotonic() + 30
        while pid is not None and time.monotonic() < deadline:
            if not Path(f"/proc/{pid}").exists():
                break
            time.sleep(0.1)
        else:
            if pid is not None:
                self._postfix("abort")
        self.started = False


# --------------------------------------------------------------------------- the run


@dataclass
class Results:
    rates: dict[tuple[str, str], list[float]] = field(default_factory=dict)
    batch_sizes: dict[tuple[str, str], list[float]] = field(default_factory=dict)
    syscalls: dict[tuple[str, str], dict[str, float]] = field(default_factory=dict)
    memory: dict[str, dict[str, int]] = field(default_factory=dict)
    stored_ok: bool = True
    notes: list[str] = field(default_factory=list)

    def add(self, server: str, load: Load, rate: float) -> None:
        self.rates.setdefault((server, load.label), []).append(rate)

    def median(self, server: str, load: Load) -> float | None:
        rates = self.rates.get((server, load.label))
        return statistics.median(rates) if rates else None


def measure(servers: list[Server], loads: list[Load], rounds: int, results: Results) -> None:
    for round_ in range(rounds):
        for load in loads:
            # Rotate who goes first so that a burst of background load hits everyone alike.
            order = servers[round_ % len(servers) :] + servers[: round_ % len(servers)]
            for server in order:
                gateway = server if isinstance(server, GatewayServer) else None
                before = gateway.stored() if gateway else 0
                last_id = gateway.last_id() if gateway else 0
                elapsed = smtp_source(server.port, load)
                server.settle()
                rate = load.count / elapsed
                results.add(server.name, load, rate)
                batch = ""
                if gateway is not None:
                    stored = gateway.stored() - before
                    if stored != load.count:
                        results.stored_ok = False
                        results.notes.append(
                            f"{gateway.name} stored {stored} of {load.count} messages"
                            f" ({load.label})"
                        )
                    size = stored / max(gateway.batches_since(last_id), 1)
                    results.batch_sizes.setdefault((server.name, load.label), []).append(size)
                    batch = f"  {size:5.1f} msg/batch"
                print(
                    f"  round {round_ + 1}/{rounds}  {load.label:<10} {server.name:<11}"
                    f" {rate:8.1f} msg/s  ({elapsed:.2f} s){batch}",
                    flush=True,
                )


def sync_kind(call: str, target: str) -> str:
    """What a flush call on ``target`` (strace -y's fd path) makes durable."""
    if call == "syncfs":
        return "fs"
    if target.endswith("-wal"):
        return "wal"
    if target.endswith(".sqlite3"):
        return "db"
    if "/blobs/tmp/" in target or len(Path(target).name) == 64:
        return "blob"
    if "/blobs" in target:
        return "dir"
    return "other"


def count_syscalls(servers: list[Server], loads: list[Load], results: Results) -> None:
    """One more run of each load per gateway under strace: flush calls per batch, by target."""
    for server in servers:
        if not isinstance(server, GatewayServer):
            continue
        for load in loads:
            trace = server.work / f"{server.name}.strace"
            strace = subprocess.Popen(
                ["strace", "-f", "-y", "-qq", "-e", "trace=fsync,fdatasync,syncfs",
                 "-o", str(trace), "-p", str(server.pid)],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )  # fmt: skip
            time.sleep(1.0)  # strace attaches to every thread
            last_id = server.last_id()
            smtp_source(server.port, load)
            time.sleep(3.0)  # let the spooler's passes (once intake is quiet) show too
            strace.send_signal(signal.SIGINT)
            strace.wait(30)
            batches = max(server.batches_since(last_id), 1)
            counts: dict[str, float] = {}
            for line in trace.read_text(errors="replace").splitlines():
                call = next((c for c in ("fdatasync", "syncfs", "fsync") if f"{c}(" in line), "")
                if not call:
                    continue
                target = line.partition("<")[2].partition(">")[0]
                kind = sync_kind(call, target)
                counts[kind] = counts.get(kind, 0) + 1
            counts = {kind: n / batches for kind, n in counts.items()}
            counts["msg/batch"] = load.count / batches
            results.syscalls[server.name, load.label] = counts
            print(f"  syscalls {load.label:<10} {server.name:<11} {counts}", flush=True)


def measure_memory(server: Server, size: int, results: Results) -> None:
    """Idle RSS, then peak RSS while receiving one message of ``size`` bytes."""
    server.start()
    try:
        smtp_source(server.port, Load(1, 5_000, 1))  # warm: imports, first commit
        time.sleep(1.0)
        idle = proc_status(server.pid)
        if not reset_peak(server.pid):
            results.notes.append("could not reset VmHWM: peak includes start-up")
        smtp_source(server.port, Load(1, size, 1))
        peak = proc_status(server.pid)
        results.memory[server.name] = {
            "idle_rss": idle["VmRSS"],
            "peak_rss": peak["VmHWM"],
            "message": size,
        }
    finally:
        server.stop()


def machine() -> str:
    cpu = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    import aiosmtpd

    postfix = subprocess.run(
        ["postconf", "-h", "mail_version"], capture_output=True, text=True, check=False
    ).stdout.strip()
    return (
        f"{os.cpu_count()} cores ({cpu}), Linux {platform.release()}, "
        f"Python {platform.python_version()}, aiosmtpd {aiosmtpd.__version__}, "
        f"Postfix {postfix or '?'}"
    )


def mb(n: float) -> str:
    return f"{n / 2**20:.0f} MiB"


def report(servers: list[Server], loads: list[Load], results: Results) -> str:
    names = [s.name for s in servers]
    # Ratios of each gateway (the gateway, gw-nospool, gw-before) to the two baselines.
    pairs = [(gw, base) for gw in names if gw.startswith("g") for base in ("noop-stock", "postfix")]
    pairs = [(gw, base) for gw, base in pairs if base in names]
    # The floor's own ratio: the most any durable intake could reach against the no-op.
    pairs += [(floor, "noop-stock") for floor in FLOOR_KINDS.values() if floor in names]
    if "noop-uvloop" in names:  # the gateway against a no-op on its own event loop
        pairs.append(("gateway", "noop-uvloop"))
    if "gw-before" in names:  # --compare: this version against the other checkout
        pairs.append(("gateway", "gw-before"))
    ratio_names = [f"{gw} / {base}" for gw, base in pairs]
    header = f"| load (sessions x size) | {' | '.join(names + ratio_names)} |"
    lines = [header, "|" + "---|" * (len(names) + len(pairs) + 1)]
    for load in loads:
        cells = []
        for name in names:
            rate = results.median(name, load)
            cells.append(f"{rate:.0f}" if rate is not None else "-")
        for gw_name, base_name in pairs:
            gw, base = results.median(gw_name, load), results.median(base_name, load)
            cells.append(f"{gw / base:.2f}" if gw and base else "-")
        lines.append(f"| {load.label} | {' | '.join(cells)} |")
    lines.append("")
    lines.append("messages/s, median of the rounds (higher is better)")
    gateways = [name for name in names if any(k[0] == name for k in results.batch_sizes)]
    if gateways:
        lines.append("")
        lines.append(f"| load | {' | '.join(f'{g} msg/batch' for g in gateways)} |")
        lines.append("|" + "---|" * (len(gateways) + 1))
        for load in loads:
            cells = [
                f"{statistics.median(results.batch_sizes.get((g, load.label), [0])):.1f}"
                for g in gateways
            ]
            lines.append(f"| {load.label} | {' | '.join(cells)} |")
    if results.syscalls:
        kinds = ["wal", "db", "blob", "dir", "fs", "other"]
        lines.append("")
        lines.append(f"| gateway | load | msg/batch | {' | '.join(kinds)} |  (calls per batch)")
        lines.append("|" + "---|" * (len(kinds) + 3))
        for (name, label), counts in results.syscalls.items():
            cells = [f"{counts.get(kind, 0):.2f}" for kind in kinds]
            lines.append(f"| {name} | {label} | {counts['msg/batch']:.1f} | {' | '.join(cells)} |")
    for name, mem in results.memory.items():
        lines.append(
            f"{name}: one {mem['message'] / 1e6:.0f} MB message: idle RSS {mb(mem['idle_rss'])},"
            f" peak RSS {mb(mem['peak_rss'])} (+{mb(mem['peak_rss'] - mem['idle_rss'])})"
        )
    return "\n".join(lines)


@contextlib.contextmanager
def running(servers: list[Server]) -> Iterator[None]:
    try:
        for server in servers:
            server.start()
        yield
    finally:
        for server in servers:
            with contextlib.suppress(Exception):
                server.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--quick", action="store_true", help="small counts, one round")
    parser.add_argument("--rounds", type=int, default=None, help="rounds (default 3, quick 1)")
    parser.add_argument("--no-postfix", action="store_true", help="skip the Postfix baseline")
    parser.add_argument("--memory-size", type=int, default=25_000_000)
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--spool-max", type=int, default=None, help="gateway's storage.spool_max")
    parser.add_argument("--nospool", action="store_true", help="add gw-nospool (spool_max = 0)")
    parser.add_argument("--compare", type=Path, help="add gw-before: the gateway of this checkout")
    parser.add_argument("--syscalls", action="store_true", help="count fsyncs per batch (strace)")
    parser.add_argument("--no-memory", action="store_true", help="skip the 25 MB memory check")
    parser.add_argument("--sizes", help="message sizes to load, e.g. 5000 or 5000,50000,500000")
    parser.add_argument(
        "--sustained", type=int, metavar="COUNT",
        help="add 20 x 5 KB with COUNT messages: longer than the spooler's deferral (5 s)",
    )  # fmt: skip
    parser.add_argument(
        "--single", type=int, metavar="COUNT",
        help="messages per round for 1 session (default 400 x 5 KB, 100 x 500 KB)",
    )  # fmt: skip
    parser.add_argument(
        "--floor", action="store_true",
        help="add floor, floor-inline, floor-sqlite: the least a durable 250 costs here",
    )  # fmt: skip
    parser.add_argument("--serve-noop", type=int, metavar="PORT", help=argparse.SUPPRESS)
    parser.add_argument("--fast", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--uvloop", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--serve-floor", type=int, metavar="PORT", help=argparse.SUPPRESS)
    parser.add_argument("--journal", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--floor-kind", choices=FLOOR_KINDS, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.serve_noop:
        sys.path.insert(0, str(REPO))
        if args.uvloop:
            import uvloop

            uvloop.run(_serve_noop(args.serve_noop, args.fast))
        else:
            asyncio.run(_serve_noop(args.serve_noop, args.fast))
        return 0
    if args.serve_floor:
        sys.path.insert(0, str(REPO))
        asyncio.run(_serve_floor(args.serve_floor, args.journal, args.floor_kind))
        return 0

    if shutil.which("smtp-source") is None:
        print("smtp-source (Debian package postfix) is needed", file=sys.stderr)
        return 1
    with_postfix = not args.no_postfix
    if with_postfix and (os.geteuid() != 0 or shutil.which("postfix") is None):
        print("no Postfix baseline: needs root and the postfix package", file=sys.stderr)
        with_postfix = False
    loads = QUICK_LOADS if args.quick else FULL_LOADS
    if args.sizes:
        sizes = [int(size) for size in args.sizes.split(",")]
        known = [load for load in loads if load.size in sizes]
        for size in sorted(set(sizes) - {load.size for load in known}):  # e.g. 50000
            count = max(100, min(2000, 10_000_000 // size)) // (10 if args.quick else 1)
            known += [Load(20, size, count), Load(1, size, max(count // 5, 10))]
        loads = known
    if args.single:
        loads = [Load(1, load.size, args.single) if load.sessions == 1 else load for load in loads]
    if args.sustained:
        loads = [*loads, Load(20, 5_000, args.sustained, sustained=True)]
    rounds = args.rounds or (1 if args.quick else 3)
    print(machine(), flush=True)

    results = Results()
    work = Path(tempfile.mkdtemp(prefix="bench-smtp-"))
    os.chmod(work, 0o755)  # Postfix daemons (user postfix) walk into their folders
    try:
        servers: list[Server] = [
            NoopServer(work, fast=False),
            NoopServer(work, fast=True),
            NoopServer(work, fast=False, uvloop=True),
        ]
        servers.append(GatewayServer(work, spool_max=args.spool_max))
        if args.nospool:
            servers.append(GatewayServer(work, name="gw-nospool", spool_max=0))
        if args.compare:
            servers.append(GatewayServer(work, source=args.compare.resolve(), name="gw-before"))
        if args.floor:
            servers += [FloorServer(work, kind) for kind in FLOOR_KINDS]
        if with_postfix:
            servers.append(PostfixServer(work))
        with running(servers):
            warm = Load(4, 5_000, 20)
            for server in servers:
                smtp_source(server.port, warm)
            gateway = next(s for s in servers if isinstance(s, GatewayServer))
            if gateway.stored() != warm.count:
                results.stored_ok = False
                results.notes.append(f"warm-up: gateway stored {gateway.stored()} of 20")
            measure(servers, loads, rounds, results)
            if args.syscalls:
                count_syscalls(servers, loads, results)
        # Peak memory on fresh processes (no earlier peak to hide behind).
        for server in servers if not args.no_memory else []:
            if server.name in ("gateway", "noop-stock"):
                measure_memory(server, args.memory_size, results)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    print()
    print(report(servers, loads, results))
    for note in results.notes:
        print("NOTE:", note)
    print("stored count check:", "ok" if results.stored_ok else "FAILED")
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "machine": machine(),
                    "rates": {f"{s}|{load}": r for (s, load), r in results.rates.items()},
                    "batch_sizes": {
                        f"{s}|{load}": r for (s, load), r in results.batch_sizes.items()
                    },
                    "syscalls": {f"{s}|{load}": c for (s, load), c in results.syscalls.items()},
                    "memory": results.memory,
                    "stored_ok": results.stored_ok,
                },
                indent=1,
            )
        )
    return 0 if results.stored_ok else 1


if __name__ == "__main__":
    sys.exit(main())

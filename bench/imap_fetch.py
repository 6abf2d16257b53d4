"""IMAP intake throughput: the gateway pulling a Dovecot mailbox, side by side with mbsync.

    .venv/bin/python bench/imap_fetch.py                 # 5,000 messages, 3 rounds
    .venv/bin/python bench/imap_fetch.py --messages 500 --rounds 1   # smoke run
    .venv/bin/python bench/imap_fetch.py --padding 100000            # ~100 KB messages

A private Dovecot (tests/support/dovecot.py) on a high loopback port gets N generated
Vietnamese official e-mails (one PDF each) by APPEND. Then, taking turns in each round:

- ``mbsync``: isync pulls the folder into a fresh Maildir (``Sync Pull``, ``FSync yes``, its
  default: each message is fsync'd, as the gateway's are);
- ``gateway``: ``Poller.fetch_once`` pulls the same folder into a fresh data root (SQLite,
  local blobs) with ``after = "keep"`` so that the server's folder is left as mbsync leaves
  it: BODY.PEEK[] in batches, blobs fsync'd, rows and folder state committed per batch.

Both use plain IMAP on loopback with the same user. Printed: messages/s of each (median of the
rounds) and the ratio gateway / mbsync. The stored count is checked after every round.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from gateway.app import App  # noqa: E402
from gateway.config import load_settings  # noqa: E402
from gateway.intake.imap_poller import Poller  # noqa: E402
from gateway.intake.store import Intake  # noqa: E402
from tests.support.dovecot import PASSWORD, Dovecot, write_imap_config  # noqa: E402
from tests.support.mailgen import official_email  # noqa: E402

MBSYNCRC = """\
IMAPAccount bench
Host 127.0.0.1
Port {port}
User {user}
Pass {password}
SSLType None
AuthMechs LOGIN

IMAPStore far
Account bench

MaildirStore near
Path {maildir}/
Inbox {maildir}/INBOX

Channel bench
Far :far:
Near :near:
Patterns INBOX
Sync Pull
Create Near
SyncState *
"""


def run_mbsync(server: Dovecot, user: str, work: Path) -> float:
    maildir = work / "maildir"
    shutil.rmtree(maildir, ignore_errors=True)
    maildir.mkdir()
    rc = work / "mbsyncrc"
    rc.write_text(MBSYNCRC.format(port=server.port, user=user, password=PASSWORD, maildir=maildir))
    started = time.perf_counter()
    done = subprocess.run(
        ["mbsync", "-q", "-c", str(rc), "bench"], capture_output=True, text=True, timeout=600
    )
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"mbsync failed: {done.stderr}")
    return elapsed


def count_maildir(work: Path) -> int:
    inbox = work / "maildir" / "INBOX"
    return sum(1 for _ in (inbox / "cur").iterdir()) + sum(1 for _ in (inbox / "new").iterdir())


def run_gateway(
    server: Dovecot, user: str, work: Path, database_url: str, batch_size: int
) -> tuple[float, int]:
    root = work / "gateway"
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir()
    config = write_imap_config(
        root, database_url, server, [{"username": user, "after": "keep", "batch_size": batch_size}]
    )
    settings = load_settings(config)
    app = App(settings)
    app.init()
    try:
        poller = Poller(settings, settings.imap[0], Intake(settings, app.db, app.blobs))
        started = time.perf_counter()
        report = poller.fetch_once()
        elapsed = time.perf_counter() - started
        if report.error:
            raise SystemExit(f"gateway fetch failed: {report.error}")
        return elapsed, report.new
    finally:
        app.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--padding", type=int, default=0, help="extra body bytes per message")
    parser.add_argument("--batch-size", type=int, default=50)
    parser.add_argument("--database-url", default="", help="default: SQLite in the data root")
    args = parser.parse_args()
    if shutil.which("mbsync") is None:
        raise SystemExit("mbsync is not installed (Debian package isync)")

    server = Dovecot()
    work = Path(tempfile.mkdtemp(prefix="bench-imap-"))
    try:
        server.start()
        user = server.new_user()
        raws = [official_email(n, padding=args.padding) for n in range(args.messages)]
        size = sum(map(len, raws))
        server.append(user, raws)
        del raws
        print(
            f"{args.messages} messages, {size / args.messages / 1024:.1f} KB average, "
            f"Dovecot {server.port}; {args.rounds} rounds"
        )
        run_mbsync(server, user, work)  # warm Dovecot's index and the page cache once
        gateway_times, mbsync_times = [], []
        for round_no in range(1, args.rounds + 1):
            m = run_mbsync(server, user, work)
            assert count_maildir(work) == args.messages
            g, stored = run_gateway(server, user, work, args.database_url, args.batch_size)
            assert stored == args.messages, f"stored {stored} of {args.messages}"
            mbsync_times.append(m)
            gateway_times.append(g)
            print(
                f"round {round_no}: mbsync {args.messages / m:8.0f} msg/s   "
                f"gateway {args.messages / g:8.0f} msg/s"
            )
        mbsync_rate = args.messages / statistics.median(mbsync_times)
        gateway_rate = args.messages / statistics.median(gateway_times)
        print()
        print(f"{'':10} {'msg/s':>8} {'MB/s':>7}")
        for name, rate in (("mbsync", mbsync_rate), ("gateway", gateway_rate)):
            print(f"{name:10} {rate:8.0f} {rate * size / args.messages / 1e6:7.1f}")
        print(f"ratio gateway / mbsync: {gateway_rate / mbsync_rate:.2f}")
    finally:
        server.close()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

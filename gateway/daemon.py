"""`gateway serve`: SMTP intake, IMAP pollers, pipeline workers, outbox sender, reminders.

SIGTERM/SIGINT: stop accepting connections, let messages already in DATA finish and be
committed, let each worker finish its current message, then exit 0.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import signal
import threading

from gateway.app import App
from gateway.archive.spool import Spooler
from gateway.intake.batching import GroupCommitter
from gateway.intake.imap_poller import ImapPollers
from gateway.intake.smtp import start_smtp_server
from gateway.intake.store import Intake
from gateway.outgoing.delivery import Sender
from gateway.pipeline.worker import Worker
from gateway.routing.reminders import remind

log = logging.getLogger(__name__)

IDLE_POLL_SECONDS = 2.0
SHUTDOWN_GRACE_SECONDS = 30.0


def _worker_loop(app: App, stop: threading.Event, wake: threading.Event) -> None:
    worker = Worker(app.settings, app.db, app.blobs)
    while not stop.is_set():
        try:
            message_id = worker.claim()
        except Exception as exc:  # database down: keep trying, never die
            log.error("cannot claim work: %s", exc)
            message_id = None
        if message_id is None:
            wake.wait(IDLE_POLL_SECONDS)
            wake.clear()
            continue
        worker.process(message_id)


def _reminder_loop(app: App, stop: threading.Event) -> None:
    """The reminder pass every ``scheduler.remind_interval`` seconds; each reminder is sent
    once however often this runs (and alongside any `gateway remind` from cron)."""
    interval = app.settings.scheduler.remind_interval
    while not stop.wait(interval):
        try:
            report = remind(app.settings, app.db, app.blobs, dt.datetime.now(dt.UTC))
            if report.sent:
                log.info("reminder pass queued %d reminders", len(report.sent))
        except Exception as exc:  # database down, rules broken: try again next time
            log.error("reminder pass failed: %s", exc)


async def serve(app: App) -> None:
    settings = app.settings
    stop_requested = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop_requested.set)

    Worker(settings, app.db, app.blobs).release_orphaned_claims()
    wake = threading.Event()
    stop_workers = threading.Event()
    # Raw spool: small raws are committed with their rows; this thread moves them to the
    # blob store after each commit, off the SMTP critical path (gateway.archive.spool).
    spooler = Spooler(app.db, app.blobs)
    spooler.start()

    def committed() -> None:
        wake.set()
        spooler.wake()

    committer = GroupCommitter(
        Intake(settings, app.db, app.blobs), settings.smtp.max_batch, on_commit=committed
    )
    server = await start_smtp_server(settings, committer) if settings.smtp.enabled else None
    workers = [
        threading.Thread(
            target=_worker_loop, args=(app, stop_workers, wake), name=f"worker-{i}", daemon=True
        )
        for i in range(settings.pipeline.workers)
    ]
    for thread in workers:
        thread.start()
    # IMAP: one poller thread per [[imap]] account; each stored batch wakes the workers.
    pollers = ImapPollers(settings, settings.imap, committer.intake, on_store=wake.set)
    pollers.start()
    # Outbox: one sender thread delivers queued mail (gateway.outgoing.delivery).
    stop_sender = threading.Event()
    sender = threading.Thread(target=Sender(settings, app.db, app.blobs).run,
                              args=(stop_sender,), name="sender", daemon=True)  # fmt: skip
    sender.start()
    stop_scheduler = threading.Event()
    scheduler = threading.Thread(target=_reminder_loop, args=(app, stop_scheduler),
                                 name="scheduler", daemon=True)  # fmt: skip
    if settings.scheduler.remind_interval:
        scheduler.start()
    log.info(
        "gateway serving (%d pipeline workers, %d IMAP pollers, event loop %s)",
        len(workers),
        len(pollers.threads),
        type(loop).__module__.partition(".")[0],
    )

    await stop_requested.wait()
    log.info("stopping: no new connections; finishing work in progress")
    if server is not None:
        server.close()
        try:
            await asyncio.wait_for(_drain(committer), SHUTDOWN_GRACE_SECONDS)
        except TimeoutError:
            # Unanswered senders got no 250 and will retry; what was stored stays stored.
            log.warning("stopping with %d messages not yet committed", committer.in_flight)
    await asyncio.to_thread(pollers.stop)
    await asyncio.to_thread(committer.close)
    await asyncio.to_thread(spooler.stop)
    stop_sender.set()
    stop_scheduler.set()
    await asyncio.to_thread(sender.join)
    if scheduler.is_alive():
        await asyncio.to_thread(scheduler.join)
    stop_workers.set()
    wake.set()
    for thread in workers:
        await asyncio.to_thread(thread.join)
    log.info("stopped")


async def _drain(committer: GroupCommitter) -> None:
    while committer.in_flight:
        await asyncio.sleep(0.05)

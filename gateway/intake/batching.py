"""Group commit for intake: messages arriving together share one flush and one commit.

A single committer thread takes whatever is queued (up to ``max_batch``), stores it with one
``Intake.store_batch`` call and answers each caller. While one batch is being flushed the
next one gathers, so under load the cost of an fsync is shared by many messages, and an idle
server adds no waiting time at all: a lone message is committed as soon as it is queued (no
linger), which is what a single sending session needs.

Callers on an event loop use ``store`` (an awaitable); the answers of one batch reach each
loop with one thread-safe wake-up, not one per message. Threads use ``submit`` (a future).
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future

from gateway.intake.store import IncomingMail, Intake, Stored

log = logging.getLogger(__name__)

_STOP = object()

Waiter = Future[Stored] | asyncio.Future[Stored]
Entry = tuple[IncomingMail, Waiter]
Outcome = tuple[Waiter, Stored | BaseException]


class GroupCommitter:
    def __init__(
        self,
        intake: Intake,
        max_batch: int = 64,
        on_commit: Callable[[], None] | None = None,
    ) -> None:
        self.intake = intake
        self.max_batch = max_batch
        self.on_commit = on_commit
        self.in_flight = 0  # submitted and not yet answered (read by the shutdown path)
        self._lock = threading.Lock()
        self._queue: queue.SimpleQueue[object] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="intake-commit", daemon=True)
        self._thread.start()

    def submit(self, mail: IncomingMail) -> Future[Stored]:
        """Queue ``mail``; the future gets its Stored, or the StorageError to answer 451."""
        future: Future[Stored] = Future()
        self._enqueue(mail, future)
        return future

    def store(self, mail: IncomingMail) -> asyncio.Future[Stored]:
        """``submit`` for a coroutine of the running event loop: await the result."""
        future: asyncio.Future[Stored] = asyncio.get_running_loop().create_future()
        self._enqueue(mail, future)
        return future

    def _enqueue(self, mail: IncomingMail, waiter: Waiter) -> None:
        with self._lock:
            self.in_flight += 1
        self._queue.put((mail, waiter))

    def close(self) -> None:
        """Finish what is queued, then stop the committer thread."""
        self._queue.put(_STOP)
        self._thread.join()

    def _run(self) -> None:
        stopping = False
        while not stopping:
            batch: list[Entry] = []
            item = self._queue.get()
            while True:
                if item is _STOP:
                    stopping = True
                    break
                batch.append(item)  # type: ignore[arg-type]
                if len(batch) >= self.max_batch:
                    break
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
            if batch:
                outcomes = self._commit(batch)
                # Wake the pipeline and the spooler first: answering is the last thing this
                # thread does before it waits again, so the event loop that the answer wakes
                # finds the GIL free instead of waiting for it.
                if self.on_commit is not None and any(
                    not isinstance(result, BaseException) for _, result in outcomes
                ):
                    self.on_commit()
                self._answer(outcomes)

    def _commit(self, batch: list[Entry]) -> list[Outcome]:
        """Store the batch; each waiter's Stored, or the exception it must be told."""
        try:
            results = self.intake.store_batch([mail for mail, _ in batch])
        except Exception as exc:
            if len(batch) > 1:
                # One bad message must not fail its neighbours: retry them one by one.
                return [outcome for entry in batch for outcome in self._commit([entry])]
            log.error("intake commit failed: %s", exc)
            return [(batch[0][1], exc)]
        return [(waiter, result) for (_, waiter), result in zip(batch, results, strict=True)]

    def _answer(self, outcomes: list[Outcome]) -> None:
        """Complete the waiters: thread futures here, each event loop's in one wake-up."""
        by_loop: dict[asyncio.AbstractEventLoop, list[Outcome]] = {}
        for waiter, result in outcomes:
            if isinstance(waiter, asyncio.Future):
                by_loop.setdefault(waiter.get_loop(), []).append((waiter, result))
            else:
                _settle(waiter, result)
                self._answered(1)
        for loop, answers in by_loop.items():
            try:
                loop.call_soon_threadsafe(self._settle_on_loop, answers)
            except RuntimeError:  # the loop is closed: nobody is waiting any more
                self._answered(len(answers))

    def _settle_on_loop(self, answers: list[Outcome]) -> None:
        for waiter, result in answers:
            _settle(waiter, result)
        self._answered(len(answers))

    def _answered(self, count: int) -> None:
        with self._lock:
            self.in_flight -= count


def _settle(waiter: Waiter, result: Stored | BaseException) -> None:
    if waiter.done():  # cancelled by a caller that went away: nothing to tell
        return
    if isinstance(result, BaseException):
        waiter.set_exception(result)
    else:
        waiter.set_result(result)

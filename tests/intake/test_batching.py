"""Group commit: awaiting callers get their answers, one loop wake-up per batch."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence

import pytest

from gateway.errors import StorageError
from gateway.intake.batching import GroupCommitter
from gateway.intake.store import IncomingMail, Stored


class FakeIntake:
    """Stores nothing; answers with increasing ids, and can be held or made to fail."""

    def __init__(self) -> None:
        self.batches: list[int] = []
        self.release = threading.Event()
        self.release.set()
        self.fail_on: bytes | None = None

    def store_batch(self, mails: Sequence[IncomingMail]) -> list[Stored]:
        self.release.wait(10)
        if self.fail_on is not None and any(m.raw == self.fail_on for m in mails):
            raise StorageError("disk full")
        start = sum(self.batches)
        self.batches.append(len(mails))
        return [Stored((start + i + 1,), duplicate=False) for i in range(len(mails))]


def _committer(intake: FakeIntake, max_batch: int = 64) -> GroupCommitter:
    return GroupCommitter(intake, max_batch)  # type: ignore[arg-type]


def _mail(n: int) -> IncomingMail:
    return IncomingMail(raw=b"m%d" % n, mailboxes=["a@b.vn"], source="smtp")


def test_waiting_sessions_share_a_batch_and_one_loop_wakeup(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Messages queued during a commit go together; their answers wake the loop once."""
    intake = FakeIntake()
    committer = _committer(intake)
    wakeups = 0

    async def main() -> list[Stored]:
        nonlocal wakeups
        loop = asyncio.get_running_loop()
        real = loop.call_soon_threadsafe

        def counting(*args: object, **kwargs: object) -> asyncio.Handle:
            nonlocal wakeups
            wakeups += 1
            return real(*args, **kwargs)  # type: ignore[arg-type]

        monkeypatch.setattr(loop, "call_soon_threadsafe", counting)
        intake.release.clear()  # hold the first commit so that the others queue up
        first = committer.store(_mail(0))
        await asyncio.sleep(0.1)
        rest = [committer.store(_mail(n)) for n in range(1, 11)]
        intake.release.set()
        return list(await asyncio.gather(first, *rest))

    try:
        results = asyncio.run(main())
    finally:
        committer.close()
    assert [r.message_ids for r in results] == [(n,) for n in range(1, 12)]
    assert intake.batches == [1, 10]
    assert wakeups == 2
    assert committer.in_flight == 0


def test_a_lone_message_is_committed_at_once() -> None:
    """No linger: one session's message is committed without waiting for company."""
    intake = FakeIntake()
    committer = _committer(intake)
    try:
        assert committer.submit(_mail(1)).result(timeout=10).message_ids == (1,)
    finally:
        committer.close()
    assert intake.batches == [1]


def test_failure_reaches_only_the_failing_message() -> None:
    """A bad message fails alone (its caller answers 451); its neighbours are stored."""
    intake = FakeIntake()
    intake.fail_on = b"m2"
    committer = _committer(intake)

    async def main() -> list[Stored | BaseException]:
        intake.release.clear()
        waiters = [committer.store(_mail(n)) for n in range(4)]
        intake.release.set()
        return list(await asyncio.gather(*waiters, return_exceptions=True))

    try:
        results = asyncio.run(main())
    finally:
        committer.close()
    assert isinstance(results[2], StorageError)
    assert all(isinstance(r, Stored) for i, r in enumerate(results) if i != 2)
    assert committer.in_flight == 0


def test_a_caller_that_went_away_does_not_stop_the_committer() -> None:
    """A cancelled wait (connection lost) is skipped; later messages are still answered."""
    intake = FakeIntake()
    committer = _committer(intake)

    async def main() -> Stored:
        intake.release.clear()
        gone = committer.store(_mail(1))
        gone.cancel()
        intake.release.set()
        return await committer.store(_mail(2))

    try:
        assert asyncio.run(main()).message_ids
    finally:
        committer.close()
    assert committer.in_flight == 0


def test_thread_callers_and_loop_callers_mix() -> None:
    """submit (threads, IMAP) and store (the SMTP loop) go through the same batches."""
    intake = FakeIntake()
    committer = _committer(intake)

    async def main() -> tuple[Stored, Stored]:
        thread_future = committer.submit(_mail(1))
        stored = await committer.store(_mail(2))
        return thread_future.result(timeout=10), stored

    try:
        first, second = asyncio.run(main())
    finally:
        committer.close()
    assert {first.message_ids, second.message_ids} == {(1,), (2,)}

"""How the HTTP worker hands jobs to the query process's threads: an idle thread first, then
behind a job younger than the pipelining window, else a wait for the first thread free."""

from __future__ import annotations

import asyncio
import time

from api.query_process import frame, split_frames
from api.workers import PIPELINE_WINDOW, _Channel, _Pending, _Process
from graph.evaluate import QueryJob


class Transport:
    def __init__(self):
        self.frames: list[bytes] = []

    def write(self, data: bytes) -> None:
        self.frames.append(data)

    def is_closing(self) -> bool:
        return False

    def job_ids(self) -> list[int]:
        return [message[0] for message in split_frames(bytearray(b"".join(self.frames)))]


def process(threads: int) -> _Process:
    channels = [_Channel(pool=None) for _ in range(threads)]
    for channel in channels:
        channel.transport = Transport()
    proc = _Process(popen=None, channels=channels)
    for channel in channels:
        channel.process = proc
    return proc


def pending() -> _Pending:
    return _Pending(QueryJob("ASK {}", "json", 10), asyncio.get_running_loop().create_future())


def answer(channel: _Channel, job_id: int) -> None:
    channel.data_received(frame((job_id, "ok", "boolean", b"{}", 1, False)))


def test_an_idle_thread_comes_first_then_a_young_job_then_the_wait():
    async def scenario():
        proc = process(2)
        first, second = proc.channels
        proc.submit(1, pending())
        proc.submit(2, pending())
        assert first.transport.job_ids() == [1] and second.transport.job_ids() == [2]  # both idle: one each
        proc.submit(3, pending())
        assert sorted(first.transport.job_ids() + second.transport.job_ids()) == [1, 2, 3]  # behind a young job
        first.since = second.since = time.monotonic() - 10 * PIPELINE_WINDOW  # both now evaluating long jobs
        proc.submit(4, pending())
        assert list(proc.waiting) == [4]

    asyncio.run(scenario())


def test_an_answer_frees_the_thread_for_the_first_waiting_job():
    async def scenario():
        proc = process(1)
        (channel,) = proc.channels
        one, two = pending(), pending()
        proc.submit(1, one)
        channel.since = time.monotonic() - 10 * PIPELINE_WINDOW
        proc.submit(2, two)
        assert list(proc.waiting) == [2] and channel.transport.job_ids() == [1]
        answer(channel, 1)
        assert one.future.result()[0] == "ok"
        assert channel.transport.job_ids() == [1, 2] and not proc.waiting and list(channel.jobs) == [2]

    asyncio.run(scenario())


def test_a_waiting_job_is_withdrawn_without_touching_the_threads():
    async def scenario():
        proc = process(1)
        proc.submit(1, pending())
        proc.channels[0].since = time.monotonic() - 10 * PIPELINE_WINDOW
        proc.submit(2, pending())
        assert proc.withdraw(2) is True and 2 not in proc.pending and not proc.waiting
        assert proc.withdraw(1) is False  # sent: only killing the process stops it

    asyncio.run(scenario())

"""How the HTTP worker hands jobs to the query process's threads: a cheap job to a thread
holding only cheap ones (a few in a row), then an idle thread, then behind a job younger than
the pipelining window, else a wait for the first thread free."""

from __future__ import annotations

import asyncio
import time

from graph.engine.child import frame, split_frames
from graph.engine.evaluate import QueryJob
from graph.engine.pool import CHEAP_DEPTH, PEAK_DECAY, PIPELINE_WINDOW, QueryCosts, _Channel, _Pending, _Process


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


def pending(cheap: bool = False, shape: str = "ASK {}") -> _Pending:
    return _Pending(QueryJob("ASK {}", "json", 10), asyncio.get_running_loop().create_future(), shape, cheap)


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


def test_cheap_jobs_share_a_thread_before_an_idle_one_is_woken():
    async def scenario():
        proc = process(2)
        first, second = proc.channels
        for job_id in range(CHEAP_DEPTH):
            proc.submit(job_id, pending(cheap=True))
        assert first.transport.job_ids() == list(range(CHEAP_DEPTH)) and second.transport.job_ids() == []
        proc.submit(CHEAP_DEPTH, pending(cheap=True))  # that thread is full: the idle one
        assert second.transport.job_ids() == [CHEAP_DEPTH]

    asyncio.run(scenario())


def test_a_job_of_another_shape_never_waits_behind_more_than_one():
    async def scenario():
        proc = process(2)
        first, second = proc.channels
        for job_id in range(3):
            proc.submit(job_id, pending(cheap=True))
        proc.submit(10, pending())
        assert second.transport.job_ids() == [10]  # not behind the three cheap ones: the idle thread
        proc.submit(11, pending())
        assert second.transport.job_ids() == [10, 11]  # behind one young job, as before
        proc.submit(12, pending())
        assert list(proc.waiting) == [12]

    asyncio.run(scenario())


def test_a_cheap_job_waits_behind_no_more_than_one_job_of_another_shape():
    async def scenario():
        proc = process(1)
        (channel,) = proc.channels
        proc.submit(1, pending())
        proc.submit(2, pending(cheap=True))
        proc.submit(3, pending(cheap=True))
        assert channel.transport.job_ids() == [1, 2] and list(proc.waiting) == [3]

    asyncio.run(scenario())


def test_an_answer_is_timed_for_its_shape():
    async def scenario():
        proc = process(1)
        (channel,) = proc.channels
        proc.submit(1, pending(shape="lookup"))
        answer(channel, 1)
        assert "lookup" in proc.costs.peaks and proc.costs.cheap("lookup")  # answered at once
        assert channel.costly == 0 and not channel.jobs

    asyncio.run(scenario())


def test_query_costs_learn_which_shapes_are_cheap_and_forget_the_oldest():
    costs = QueryCosts(size=2)
    assert not costs.cheap("a")  # unknown: not cheap
    costs.observe("a", PIPELINE_WINDOW / 10)
    assert costs.cheap("a")
    costs.observe("a", PIPELINE_WINDOW * 25)  # one slow run makes it costly at once...
    quick_runs = 0
    while not costs.cheap("a"):
        costs.observe("a", PIPELINE_WINDOW / 10)
        quick_runs += 1
    assert quick_runs > 25  # ...for a good many quick ones
    assert PIPELINE_WINDOW * 25 * PEAK_DECAY ** quick_runs < PIPELINE_WINDOW
    costs.observe("b", 0.0)
    costs.observe("c", 0.0)
    assert list(costs.peaks) == ["b", "c"]

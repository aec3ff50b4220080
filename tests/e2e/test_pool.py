"""The query pool with a real query process: what happens around a kill."""

from __future__ import annotations

import asyncio
import time

from graph.engine.evaluate import QueryJob

SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


def test_a_query_retried_after_a_kill_is_held_by_the_pool_until_it_is_sent_and_then_answered(data_dir, monkeypatch):
    """The loop keeps tasks only weakly: the task that sends a query again to the new process must
    be the pool's until it is done, or the client could wait for a 503 instead of its answer."""
    import gc

    from graph.config import PoolConfig
    from graph.engine.pool import QueryPool
    from graph.errors import QueryTimeout
    from graph.store import open_store

    opened = open_store(data_dir)
    pool = QueryPool(opened.database, PoolConfig(threads=1, timeout=1.0), {})
    spawn = pool._spawn_blocking

    async def scenario():
        await pool.start()
        monkeypatch.setattr(pool, "_spawn_blocking", lambda sockets: (time.sleep(0.3), spawn(sockets))[1])
        slow = asyncio.create_task(pool.run(QueryJob(SLOW, "json", 10)))
        await asyncio.sleep(0.8)  # (each query's deadline runs from its own start)
        quick = asyncio.create_task(pool.run(QueryJob("ASK {}", "json", 10)))  # waits for the one thread
        try:
            await slow
        except QueryTimeout:
            pass
        await asyncio.sleep(0.1)  # the replacement is starting; the quick query waits to be sent again
        held = pool.retries_in_flight
        gc.collect()
        outcome = await quick
        await pool.close()
        return held, outcome

    try:
        held, outcome = asyncio.run(scenario())
    finally:
        opened.close()
    assert held == 1
    assert outcome.form == "boolean" and b"true" in outcome.result.body
    assert pool.retries_in_flight == 0

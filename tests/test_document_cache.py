"""The in-memory cache of built documents: bounded by bytes, least recently used out first."""

from __future__ import annotations

from api.cache import DocumentCache


def test_least_recently_used_documents_leave_first_at_the_cap():
    cache = DocumentCache(max_bytes=10)
    cache.put("a", b"1234")
    cache.put("b", b"1234")
    assert cache.get("a") == b"1234"  # a is now the most recently used
    cache.put("c", b"1234")
    assert cache.get("b") is None and cache.get("a") == b"1234" and cache.get("c") == b"1234"
    assert cache.size == 8 and len(cache) == 2


def test_a_document_larger_than_the_cap_is_not_kept_and_replacing_keeps_the_size_right():
    cache = DocumentCache(max_bytes=10)
    cache.put("big", b"x" * 11)
    assert cache.get("big") is None and cache.size == 0
    cache.put("a", b"123")
    cache.put("a", b"12345")
    assert cache.size == 5 and cache.get("a") == b"12345"


def test_a_cap_of_zero_keeps_nothing():
    cache = DocumentCache(max_bytes=0)
    cache.put("a", b"1")
    assert cache.get("a") is None


def test_obtain_builds_once_and_keeps_no_missing_document():
    import asyncio

    cache, builds = DocumentCache(max_bytes=100), []

    def build():
        builds.append(1)
        return b"doc"

    assert asyncio.run(cache.obtain("a", build)) == b"doc"
    assert asyncio.run(cache.obtain("a", build)) == b"doc" and len(builds) == 1
    assert asyncio.run(cache.obtain("none", lambda: None)) is None and len(cache) == 1

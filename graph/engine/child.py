"""The query process: `python -m graph.engine.child DATABASE FD...`, the prefixes a query may use
undeclared as a JSON object on standard input.

It holds the database DATABASE (the one its engine opened) open read-only and evaluates queries arriving on the sockets FD..., one
thread per socket, each thread reading, evaluating and answering its own jobs in turn (no
queue, no hand-off between threads: pyoxigraph releases the GIL while it evaluates, so the
threads run side by side). It imports pyoxigraph and the evaluation code only (no rdflib, no
web framework), to stay small, and is killed by its parent (graph.engine.pool) when a query passes
its time limit.

Messages both ways are frames: a 4-byte big-endian length, then a pickle of a tuple of plain
values (no classes to look up: a few microseconds less per request on each side):
`(job_id, *QueryJob)` inward, `(job_id, "ok", form, body, rows, truncated)` or
`(job_id, error_kind, message)` outward.
"""

from __future__ import annotations

import json
import os
import pickle
import signal
import socket
import struct
import sys
import threading
from pathlib import Path

HEADER = struct.Struct(">I")


def frame(message: object) -> bytes:
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    return HEADER.pack(len(data)) + data


def split_frames(buffer: bytearray) -> list[object]:
    """Remove and return the complete messages at the start of `buffer`."""
    messages, start, size = [], 0, len(buffer)
    while size - start >= HEADER.size:
        (length,) = HEADER.unpack_from(buffer, start)
        end = start + HEADER.size + length
        if end > size:
            break
        messages.append(pickle.loads(memoryview(buffer)[start + HEADER.size:end]))
        start = end
    del buffer[:start]
    return messages


def serve(sockets: list[socket.socket], database: Path, prefixes: dict[str, str]) -> None:
    import pyoxigraph as ox

    from graph.engine.evaluate import QueryJob, evaluate
    from graph.errors import KgError, QuerySyntaxError, WrongResultFormat

    try:
        store = ox.Store.read_only(str(database))
    except Exception as exc:  # noqa: BLE001 - the parent reports it and backs off
        print(f"cannot open the store at {database}: {exc}", flush=True)
        os._exit(3)
    print("ready", flush=True)  # the parent waits for this line before it sends any job

    def answer(job_id: int, job: QueryJob) -> tuple:
        try:
            outcome = evaluate(store, job, prefixes)
            return (job_id, "ok", outcome.form, *outcome.result)
        except QuerySyntaxError as exc:
            return job_id, "syntax", str(exc)
        except WrongResultFormat as exc:
            return job_id, "format", str(exc)
        except KgError as exc:
            return job_id, "error", str(exc)
        except Exception as exc:  # noqa: BLE001 - reported to the client, the process lives on
            return job_id, "error", f"the query could not be evaluated: {type(exc).__name__}: {exc}"

    def work(sock: socket.socket) -> None:
        buffer = bytearray()
        while True:
            try:
                chunk = sock.recv(1 << 16)
            except OSError:
                chunk = b""
            if not chunk:  # the HTTP worker is gone
                os._exit(0)
            buffer += chunk
            for job_id, *fields in split_frames(buffer):
                try:
                    sock.sendall(frame(answer(job_id, QueryJob(*fields))))
                except OSError:
                    os._exit(0)

    threads = [threading.Thread(target=work, args=(sock,), name=f"query-{n}", daemon=True) for n, sock in enumerate(sockets)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def main(argv: list[str]) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole group; the parent decides
    database, *fds = argv
    prefixes = json.loads(sys.stdin.read())
    serve([socket.socket(fileno=int(fd)) for fd in fds], Path(database), prefixes)


if __name__ == "__main__":
    main(sys.argv[1:])

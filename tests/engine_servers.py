"""Real SPARQL engines on 127.0.0.1 for tests and benchmarks, each in a folder of its own, on
free ports: Oxigraph (`oxigraph serve`, from PyPI) and a private Virtuoso 7 (`virtuoso-t`, from
Debian's virtuoso-opensource-7). Virtuoso takes updates only on /sparql-auth, with HTTP digest
authentication as dba (`engine.auth`, an httpx.DigestAuth).

    engine = start_virtuoso(tmp_path)
    try:
        httpx.post(engine.update_url, data={"update": "..."}, auth=engine.auth)
        httpx.post(engine.query_url, data={"query": "ASK {}"})
    finally:
        engine.stop()
"""

from __future__ import annotations

import atexit
import ctypes
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx

STARTUP_SECONDS = 60.0
VIRTUOSO_USER, VIRTUOSO_PASSWORD = "dba", "dba"  # what a new database gets; it listens on 127.0.0.1 only

# The database, its log and temporary files go to the folder (the server's working directory).
# CaseMode 2 (as in Debian's own virtuoso.ini) makes ASK answer {"boolean": ...}, not a one-column
# table; ~200 MB of buffers (about 12 kB each); a query fails after MaxQueryExecutionTime seconds
# (a `timeout` parameter in ms asks for less), and past ResultSetMaxRows rows the answer is cut
# short (with an X-SPARQL-MaxRows header); MaxQueryCostEstimationTime 0 refuses nothing up front.
VIRTUOSO_INI = """\
[Database]
DatabaseFile       = {folder}/virtuoso.db
ErrorLogFile       = {folder}/virtuoso.log
LockFile           = {folder}/virtuoso.lck
TransactionFile    = {folder}/virtuoso.trx
xa_persistent_file = {folder}/virtuoso.pxa

[Parameters]
ServerPort         = 127.0.0.1:{sql_port}
DisableUnixSocket  = 1
CaseMode           = 2
DirsAllowed        = ., {folder}
NumberOfBuffers    = 17000
MaxDirtyBuffers    = 13000
MaxQueryMem        = 256M
ThreadsPerQuery    = 4

[HTTPServer]
ServerPort           = 127.0.0.1:{http_port}
ServerRoot           = {folder}
ServerThreads        = 16
MaxClientConnections = 16
Charset              = UTF-8

[SPARQL]
ResultSetMaxRows           = 1000000
MaxQueryExecutionTime      = 60
MaxQueryCostEstimationTime = 0
"""


@dataclass(frozen=True)
class RunningEngine:
    """A started engine: its endpoints, the credentials its update URL wants, and how to stop it."""

    name: str
    query_url: str
    update_url: str
    store_url: str | None  # the graph store protocol endpoint (Oxigraph's; Virtuoso's wants auth)
    user: str | None
    password: str | None
    pid: int
    _process: subprocess.Popen[bytes] = field(repr=False, compare=False)
    _launch: Callable[[], RunningEngine] = field(repr=False, compare=False)
    _graceful_stop: Callable[[], None] | None = field(default=None, repr=False, compare=False)

    @property
    def auth(self) -> httpx.DigestAuth | None:
        return httpx.DigestAuth(self.user, self.password) if self.user and self.password is not None else None

    def stop(self) -> None:
        """Stop the engine (politely, then by force); returns once the process is gone; safe to repeat."""
        if self._process.poll() is None and self._graceful_stop is not None:
            try:
                self._graceful_stop()
                self._process.wait(timeout=10)
            except (OSError, subprocess.SubprocessError):
                pass
        _end(self._process)

    def restart(self) -> RunningEngine:
        """Stop, then start again on the same ports and data; the returned engine replaces this one."""
        self.stop()
        return self._launch()


def start_oxigraph(folder: Path, *, timeout_s: int | None = None, union_default_graph: bool = False) -> RunningEngine:
    """`oxigraph serve` on a database in folder/db. timeout_s bounds every query (the server's
    --timeout-s); union_default_graph makes the default graph the union of all graphs."""
    folder.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    command = [_program("oxigraph"), "serve", "--location", str(folder / "db"), "--bind", f"127.0.0.1:{port}"]
    command += ["--timeout-s", str(timeout_s)] if timeout_s else []
    command += ["--union-default-graph"] if union_default_graph else []
    base = f"http://127.0.0.1:{port}"

    def launch() -> RunningEngine:
        process = _spawn(command, folder, f"{base}/query", folder / "oxigraph.log", folder / "oxigraph.log")
        return RunningEngine("oxigraph", f"{base}/query", f"{base}/update", f"{base}/store", None, None,
                             process.pid, process, launch)

    return launch()


def start_virtuoso(folder: Path) -> RunningEngine:
    """A Virtuoso 7 of its own in folder (its virtuoso.ini, database and log there), run in the
    foreground; the first start creates the database, which takes a few seconds."""
    folder = folder.resolve()
    folder.mkdir(parents=True, exist_ok=True)
    sql_port, http_port = _free_port(), _free_port()
    ini = folder / "virtuoso.ini"
    ini.write_text(VIRTUOSO_INI.format(folder=folder, sql_port=sql_port, http_port=http_port))
    command = [_program("virtuoso-t"), "-f", "-c", str(ini)]
    base = f"http://127.0.0.1:{http_port}"
    isql = shutil.which("isql-vt") or shutil.which("isql")

    def checkpoint_and_shut_down() -> None:  # SIGTERM alone is a "quick shutdown", without checkpoint
        if isql:
            subprocess.run([isql, f"127.0.0.1:{sql_port}", VIRTUOSO_USER, VIRTUOSO_PASSWORD, "exec=shutdown;"],
                           capture_output=True, timeout=10, check=False)

    def launch() -> RunningEngine:
        process = _spawn(command, folder, f"{base}/sparql", folder / "virtuoso.out", folder / "virtuoso.log")
        return RunningEngine("virtuoso", f"{base}/sparql", f"{base}/sparql-auth", None, VIRTUOSO_USER,
                             VIRTUOSO_PASSWORD, process.pid, process, launch, checkpoint_and_shut_down)

    return launch()


def _spawn(command: list[str], folder: Path, query_url: str, output: Path, log: Path) -> subprocess.Popen[bytes]:
    """Start command in folder (its output appended to output), then wait until query_url answers
    ASK {}; if it does not, end it and raise with the end of log."""
    with output.open("ab") as sink:
        process = subprocess.Popen(command, cwd=folder, stdin=subprocess.DEVNULL, stdout=sink, stderr=subprocess.STDOUT,
                                   preexec_fn=_die_with_parent if sys.platform == "linux" else None)
    atexit.register(_end, process)
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline and process.poll() is None:
        try:
            if httpx.get(query_url, params={"query": "ASK {}"}, timeout=2).status_code == 200:
                return process
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    exited = f"exited with code {process.returncode}" if process.poll() is not None else "was still starting"
    _end(process)
    log = log if log.exists() else output
    raise RuntimeError(f"{command[0]} did not answer ASK at {query_url} within {STARTUP_SECONDS:.0f} s "
                       f"(it {exited}); the end of {log}:\n" + "\n".join(_tail(log)))


def _end(process: subprocess.Popen[bytes]) -> None:
    """Terminate, then kill after a few seconds; returns only once the process is gone."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _die_with_parent() -> None:
    """In the child: have Linux send it SIGTERM when the thread that started it ends, so that a
    killed test run leaves no engine behind (hence: start engines from a thread that outlives them)."""
    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # 1 = PR_SET_PDEATHSIG


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _program(name: str) -> str:
    """The program from the running Python's environment (where pip puts oxigraph) or from PATH."""
    beside_python = Path(sys.executable).parent / name
    found = str(beside_python) if beside_python.exists() else shutil.which(name)
    if not found:
        raise FileNotFoundError(f"{name} is not installed (oxigraph: pip install oxigraph; "
                                f"virtuoso-t: apt-get install virtuoso-opensource-7)")
    return found


def _tail(path: Path, lines: int = 25) -> list[str]:
    try:
        return path.read_text(errors="replace").splitlines()[-lines:]
    except OSError as error:
        return [f"({error})"]


if __name__ == "__main__":  # a self-check: start each engine, insert, restart, ask, stop
    import tempfile

    with tempfile.TemporaryDirectory() as scratch:
        for start in (start_oxigraph, start_virtuoso):
            began, engine = time.monotonic(), start(Path(scratch) / start.__name__)
            try:
                triple = "GRAPH <urn:check> { <urn:s> <urn:p> <urn:o> }"
                httpx.post(engine.update_url, data={"update": f"INSERT DATA {{ {triple} }}"}, auth=engine.auth)
                engine = engine.restart()
                answer = httpx.post(engine.query_url, data={"query": f"ASK {{ {triple} }}"},
                                    headers={"accept": "application/sparql-results+json"}).json()
                print(f"{engine.name}: ASK after insert and restart -> {answer['boolean']} "
                      f"({time.monotonic() - began:.1f} s)")
            finally:
                engine.stop()

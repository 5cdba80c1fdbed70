"""Soak the emulator with slow connections: ordinary request latency, threads and memory while they are open.

    python benchmarks/soak_connections.py                # 2,000 slow connections, 1,000 requests a phase
    python benchmarks/soak_connections.py --slow 8000    # more
    python benchmarks/soak_connections.py --quick        # 200 slow connections, 100 requests (smoke test)

The emulator runs in its own process on a free loopback port, with its default limits except a
longer ``header_timeout`` (``--header-timeout``, default 30 s) so that every slow connection is
still open while the loaded phase is measured; at the default 5 s the server drops them sooner.
Phases, one after another in the same run:

1. idle: ordinary requests, each on a new connection (``GET`` of the default application's job
   runs), one at a time;
2. loaded: N connections are opened that send part of a request head and then one more byte per
   connection each second (a slow-loris client), and the same ordinary requests are measured
   while they stay open.

Reported per phase: p50, p99 and max latency, failed requests, and the server's thread count and
resident memory (from /proc, so Linux only; "–" elsewhere). Every loop is bounded in count and in
time; the server and the slow connections are closed when the script ends, however it ends.
"""

from __future__ import annotations

import argparse
import http.client
import select
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from _harness import Report, emit, free_port, log, parser, python_code  # benchmarks/ is on sys.path

QUICK_SLOW, SLOW = 200, 2000
QUICK_REQUESTS, REQUESTS = 100, 1000
OPEN_BUDGET = 60.0  # seconds to open the slow connections, at most
PHASE_BUDGET = 60.0  # seconds to make one phase's requests, at most
TRICKLE_EVERY = 1.0  # seconds between the bytes each slow connection sends

SERVER = r"""
import sys
try:
    import resource
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
except (ImportError, ValueError, OSError):
    pass
from jobrun_contracts.emulator import Emulator, EmulatorServer
server = EmulatorServer(Emulator(), port=int(sys.argv[1]), header_timeout=float(sys.argv[2]))
server.start()
print(server.url, server.defaults["aws-emr-serverless"], server.max_connections, flush=True)
sys.stdin.read()  # until the benchmark closes the pipe (or goes away)
server.stop()
"""


@dataclass
class Settings:
    slow: int
    requests: int
    header_timeout: float

    @classmethod
    def of(cls, options: argparse.Namespace) -> Settings:
        slow = options.slow if options.slow is not None else (QUICK_SLOW if options.quick else SLOW)
        requests = options.requests if options.requests is not None else (QUICK_REQUESTS if options.quick else REQUESTS)
        return cls(slow, requests, options.header_timeout)


@dataclass
class Server:
    process: subprocess.Popen[str]
    host: str
    port: int
    application: str
    max_connections: int


@dataclass
class Phase:
    name: str
    latencies: list[float]  # seconds, sorted
    failures: int
    threads: int | None
    rss: int | None  # bytes
    open_slow: int  # slow connections still open at the end of the phase

    def percentile(self, fraction: float) -> float:
        if not self.latencies:
            return float("nan")
        return self.latencies[min(len(self.latencies) - 1, int(len(self.latencies) * fraction))]


def _raise_file_limit(wanted: int) -> int:
    """Raise this process's open-file limit toward ``wanted``; the limit it has now."""
    try:
        import resource
    except ImportError:
        return wanted
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft != resource.RLIM_INFINITY and soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        soft = target
    return wanted if soft == resource.RLIM_INFINITY else soft


@contextmanager
def emulator_process(header_timeout: float) -> Iterator[Server]:
    port = free_port()
    command = python_code(SERVER, str(port), str(header_timeout))
    process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        ready, _, _ = select.select([process.stdout], [], [], 60)
        line = process.stdout.readline() if ready else ""
        if not line:
            raise SystemExit("the emulator did not start within 60 s")
        url, application, cap = line.split()
        host, _, port_text = url.removeprefix("http://").rpartition(":")
        yield Server(process, host, int(port_text), application, int(cap))
    finally:
        if process.stdin is not None:
            process.stdin.close()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def server_figures(pid: int) -> tuple[int | None, int | None]:
    """The thread count and resident bytes of a process, from /proc (None where there is none)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None, None
    fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
    threads = int(fields["Threads"]) if "Threads" in fields else None
    rss = int(fields["VmRSS"].split()[0]) * 1024 if "VmRSS" in fields else None
    return threads, rss


def ordinary_requests(server: Server, count: int) -> tuple[list[float], int]:
    """``count`` GETs, each on a new connection, one at a time; their latencies (sorted) and failures."""
    latencies: list[float] = []
    failures = 0
    path = f"/applications/{server.application}/jobruns"
    deadline = time.monotonic() + PHASE_BUDGET
    for _ in range(count):
        if time.monotonic() > deadline:
            log(f"  phase budget of {PHASE_BUDGET:g} s spent after {len(latencies) + failures} requests")
            break
        began = time.perf_counter()
        connection = http.client.HTTPConnection(server.host, server.port, timeout=10)
        try:
            connection.request("GET", path, headers={"connection": "close"})
            response = connection.getresponse()
            response.read()
            ok = response.status == 200
        except (OSError, http.client.HTTPException):
            ok = False
        finally:
            connection.close()
        if ok:
            latencies.append(time.perf_counter() - began)
        else:
            failures += 1
    return sorted(latencies), failures


class SlowClients:
    """N connections that each send part of a request head, then a byte a second, until stopped."""

    def __init__(self, server: Server, count: int) -> None:
        self.sockets: list[socket.socket] = []
        self.closed_by_server = 0
        self._stop = threading.Event()
        deadline = time.monotonic() + OPEN_BUDGET
        for _ in range(count):
            if time.monotonic() > deadline:
                log(f"  open budget of {OPEN_BUDGET:g} s spent after {len(self.sockets)} connections")
                break
            try:
                sock = socket.create_connection((server.host, server.port), timeout=5)
                sock.sendall(f"GET /applications/{server.application}/jobruns HTTP/1.1\r\nHost: x\r\nX-Slow: ".encode())
            except OSError:
                self.closed_by_server += 1
                continue
            sock.setblocking(False)
            self.sockets.append(sock)
        self._thread = threading.Thread(target=self._trickle, name="slow-clients", daemon=True)
        self._thread.start()

    def _trickle(self, budget: float = 2 * PHASE_BUDGET + 60) -> None:
        deadline = time.monotonic() + budget
        while not self._stop.wait(TRICKLE_EVERY) and time.monotonic() < deadline:
            still = []
            for sock in self.sockets:
                if _still_open(sock):
                    still.append(sock)
                else:
                    self.closed_by_server += 1
                    sock.close()
            self.sockets = still

    @property
    def open(self) -> int:
        return len(self.sockets)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)
        for sock in self.sockets:
            sock.close()
        self.sockets = []


def measure(s: Settings) -> tuple[list[Phase], Server, int]:
    limit = _raise_file_limit(s.slow + 256)
    slow = min(s.slow, max(0, limit - 256))
    if slow < s.slow:
        log(f"the open-file limit ({limit}) allows {slow} slow connections, not {s.slow}")
    phases = []
    with emulator_process(s.header_timeout) as server:
        ordinary_requests(server, 20)  # warm-up: imports, first worker thread
        log(f"idle: {s.requests} requests ...")
        latencies, failures = ordinary_requests(server, s.requests)
        phases.append(Phase("idle", latencies, failures, *server_figures(server.process.pid), 0))
        log(f"opening {slow} slow connections ...")
        clients = SlowClients(server, slow)
        try:
            time.sleep(TRICKLE_EVERY * 1.5)  # every slow connection has trickled at least once
            log(f"loaded ({clients.open} slow connections open): {s.requests} requests ...")
            latencies, failures = ordinary_requests(server, s.requests)
            threads, rss = server_figures(server.process.pid)
            name = f"{clients.open:,} slow connections open"
            phases.append(Phase(name, latencies, failures, threads, rss, clients.open))
        finally:
            clients.close()
        return phases, server, clients.closed_by_server


def _still_open(sock: socket.socket) -> bool:
    """Read what the server sent (an empty read: it closed, so let go), then trickle one more byte."""
    try:
        if sock.recv(4096) == b"":
            return False
    except BlockingIOError:
        pass
    except OSError:
        return False
    try:
        sock.send(b"a")
    except BlockingIOError:
        pass
    except OSError:
        return False
    return True


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f}"


def report(phases: list[Phase], server: Server, dropped: int, s: Settings) -> str:
    r = Report().add("## Emulator: ordinary requests while slow connections are open")
    r.machine(["jobrun-contracts"])
    r.add(
        f"{s.slow:,} slow-loris connections asked for (each sends part of a request head, then a byte every "
        f"{TRICKLE_EVERY:g} s); {s.requests:,} ordinary GETs per phase, each on a new connection, one at a time. "
        f"Server in its own process: max_connections {server.max_connections:,}, header_timeout "
        f"{s.header_timeout:g} s. Slow connections the server closed during the run: {dropped:,}."
    )
    rows = []
    for phase in phases:
        threads = str(phase.threads) if phase.threads is not None else "–"
        rss = f"{phase.rss / 2**20:.1f}" if phase.rss is not None else "–"
        rows.append(
            (
                phase.name,
                str(len(phase.latencies)),
                str(phase.failures),
                _ms(phase.percentile(0.5)),
                _ms(phase.percentile(0.99)),
                _ms(phase.latencies[-1]) if phase.latencies else "–",
                threads,
                rss,
            )
        )
    header = ["phase", "ok", "failed", "p50 ms", "p99 ms", "max ms", "server threads", "server RSS MiB"]
    r.table(header, rows, "lrrrrrrr")
    if len(phases) == 2 and phases[0].latencies and phases[1].latencies:
        idle, loaded = phases
        r.add(
            f"Loaded vs idle: p50 {loaded.percentile(0.5) / idle.percentile(0.5):.2f}x, "
            f"p99 {loaded.percentile(0.99) / idle.percentile(0.99):.2f}x."
        )
    return r.render()


def main(argv: Sequence[str] | None = None) -> int:
    found = parser(__doc__, quick=f"{QUICK_SLOW} slow connections and {QUICK_REQUESTS} requests a phase (smoke test)")
    found.add_argument("--slow", type=int, default=None, metavar="N", help=f"slow connections (default {SLOW:,})")
    found.add_argument(
        "--requests", type=int, default=None, metavar="N", help=f"ordinary requests per phase (default {REQUESTS:,})"
    )
    found.add_argument(
        "--header-timeout", type=float, default=30.0, metavar="S", help="the server's header_timeout (default 30)"
    )
    options = found.parse_args(argv)
    s = Settings.of(options)
    phases, server, dropped = measure(s)
    emit(report(phases, server, dropped, s), options)
    return 0


if __name__ == "__main__":
    sys.exit(main())

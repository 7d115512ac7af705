"""End-to-end benchmark: the e2e project (bench/e2e/) served by uvicorn on
loopback, stock Django vs the branch in the same run.

An async view is cached with cache_page() (mode "decorator") or by the cache
middleware (mode "middleware"), or counts visits in a cache-based session
(mode "session": each request of the load has no cookie, so it creates and
saves a session), with memcached or Redis. Mode "floor" serves the same page
uncached, without any middleware: what the server and Django's request
handling cost with no cache at all, the ceiling a cached mode can approach.
An asyncio load generator (raw HTTP/1.1 keep-alive streams, no dependencies)
keeps N connections busy for a bounded time and number of requests, and
reports requests per second, latency, the event loop lag measured inside the
server (bench/e2e/lag.py), and the connections the server opened to the
cache.

Each measure also reads the server's CPU time (user + system, of the server
process and its children, from /proc) before and after the load: the CPU
microseconds per request, in the summary's "cpu ratio" (stock cpu / branch
cpu) and "cpu share" (the branch's floor cpu / the mode's cpu) columns. It
leaves out the time the server waits for a CPU, but on a shared machine it
still moves with the requests per second (caches, frequency, the other
tenants), so it cross-checks the rps columns rather than replacing them.

The summary table has one floor row per backend (the floor view never
touches the cache, but each backend's group stays uniform and its floor is
measured next to its cached modes, in the same rounds), and a column "share
of floor": the branch's requests per second in that mode divided by the
branch's floor of the same backend, in the same run.

    python bench/e2e_load.py [--duration 5] [--connections 100] [--rounds 2]
        [--backends memcached,redis]
        [--modes floor,decorator,middleware,session] [--branch build/django]
    python bench/e2e_load.py --wsgi [--connections 8] [--workers 2]
        [--modes floor,decorator,middleware] ...
    python bench/e2e_load.py --smoke [--server uvicorn|hypercorn|daphne|gunicorn]
    python bench/e2e_load.py --serve PORT [--backends redis] [--modes middleware]

--wsgi (the same as --server gunicorn; `./scripts/branch bench wsgi`) serves
the project's sync views instead (cache_page, the cache middleware, the
floor; no session mode) with gunicorn's sync workers (--workers, default 2)
over WSGI. A sync worker serves one connection at a time and closes it after
each response (no keep-alive): the load generator reconnects whenever a
response says "Connection: close", and the default is 8 connections, a few
per worker (more would only wait in the listen backlog). There is no event
loop in the server, so no lag figures.

--smoke serves the branch on a free port with each backend, GETs the cached
page twice and checks that the second response came from the cache (same
render count, Age header), or in session mode that the second visit was
counted in the session the first one created, or in floor mode (first
backend only) that both were rendered, without cache headers; exit status 1
on failure. With uvicorn
(the default server) it also checks the WSGI path once: gunicorn, the first
backend, middleware mode. --serve serves the branch (a demo).

Memcached and Redis servers are started on free loopback ports unless
--memcached HOST:PORT and --redis URL are given. Figures on a shared machine
are noisy: compare them within one run only (variants are interleaved).
"""

import argparse
import asyncio
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
HOST = "127.0.0.1"
sys.path.insert(0, str(ROOT / "scripts"))

from tooling.servers import Servers  # noqa: E402
from run import ensure_stock  # noqa: E402


def free_port():
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def wait_for_port(port, process, timeout=20):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args[0]} exited with {process.returncode}.")
        try:
            socket.create_connection((HOST, port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"Nothing listens on port {port} after {timeout}s.")


@contextmanager
def process(args, port, **kwargs):
    proc = subprocess.Popen(args, **kwargs)
    try:
        wait_for_port(port, proc)
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


ASGI_MODES = ["floor", "decorator", "middleware", "session"]
WSGI_MODES = ["floor", "decorator", "middleware"]


def server_env(tree, backend, mode, locations, views="async"):
    """The environment of a server of the e2e project."""
    return {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(tree), str(BENCH)]),
        "PYTHONDONTWRITEBYTECODE": "1",
        "DJANGO_SETTINGS_MODULE": "e2e.settings",
        "E2E_CACHE": backend,
        "E2E_MODE": mode,
        "E2E_MEMCACHED": locations.get("memcached", ""),
        "E2E_REDIS": locations.get("redis", ""),
        "E2E_KEY_PREFIX": uuid.uuid4().hex,
        "E2E_VIEWS": views,
    }


def server_args(server, port, workers=2):
    """The arguments of the Python interpreter that serves the project."""
    app = "e2e.asgi:application"
    if server == "gunicorn":
        args = ["-m", "gunicorn", "e2e.wsgi:application", "--bind", f"{HOST}:{port}"]
        args += ["--worker-class", "sync", "--workers", str(workers)]
        args += ["--log-level", "warning", "--graceful-timeout", "5"]
    elif server == "uvicorn":
        args = ["-m", "uvicorn", app, "--host", HOST, "--port", str(port)]
        args += ["--lifespan", "off", "--no-access-log", "--log-level", "warning"]
    elif server == "hypercorn":
        # Django doesn't support the lifespan protocol: hypercorn logs that
        # once and carries on.
        args = ["-m", "hypercorn", "--bind", f"{HOST}:{port}", app]
        args += ["--log-level", "error"]
    elif server == "daphne":
        args = ["-m", "daphne", "-b", HOST, "-p", str(port), "-v", "0", app]
    else:
        raise ValueError(f"Unknown server {server!r}.")
    return args


@contextmanager
def django_server(
    tree, backend, mode, locations, server="uvicorn", port=None, workers=2, pids=None
):
    port = port or free_port()
    views = "sync" if server == "gunicorn" else "async"
    env = server_env(tree, backend, mode, locations, views)
    args = server_args(server, port, workers)
    with process([sys.executable, *args], port, env=env, cwd=BENCH) as proc:
        if pids is not None:
            pids.append(proc.pid)
        yield port


def cpu_seconds(pid):
    """
    The CPU time (user + system) that the process pid and its descendants
    (e.g. gunicorn's workers) have used, from /proc; None elsewhere.
    """
    ticks, children = {}, {}
    try:
        entries = [entry.name for entry in os.scandir("/proc") if entry.name.isdigit()]
    except OSError:
        return None
    for name in entries:
        try:
            with open(f"/proc/{name}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        # After the command: state, ppid, ... utime (14th field), stime.
        ticks[int(name)] = int(fields[11]) + int(fields[12])
        children.setdefault(int(fields[1]), []).append(int(name))
    total, pending = 0, [pid]
    while pending:
        member = pending.pop()
        total += ticks.get(member, 0)
        pending.extend(children.get(member, ()))
    return total / os.sysconf("SC_CLK_TCK")


# A minimal HTTP/1.1 keep-alive client on asyncio streams.


async def read_response(reader):
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers = {}
    for line in lines[1:]:
        if line:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
    if "content-length" in headers:
        body = await reader.readexactly(int(headers["content-length"]))
    elif headers.get("transfer-encoding") == "chunked":
        chunks = []
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            chunks.append(await reader.readexactly(size + 2))
            if not size:
                break
        body = b"".join(chunk[:-2] for chunk in chunks)
    elif headers.get("connection", "").lower() == "close" and status not in (204, 304):
        body = await reader.read()
    else:
        body = b""
    return status, headers, body


def request_bytes(path, port, cookie=None):
    cookie = f"Cookie: {cookie}\r\n" if cookie else ""
    return f"GET {path} HTTP/1.1\r\nHost: {HOST}:{port}\r\n{cookie}\r\n".encode()


async def get(port, path, cookie=None):
    reader, writer = await asyncio.open_connection(HOST, port)
    try:
        writer.write(request_bytes(path, port, cookie))
        return await read_response(reader)
    finally:
        writer.close()
        await writer.wait_closed()


async def load(port, path, connections, duration, max_requests):
    """Keep `connections` connections busy; return the figures."""
    state = {"remaining": max_requests, "errors": 0}
    latencies = []
    request = request_bytes(path, port)

    async def worker(deadline):
        writer = None
        try:
            while state["remaining"] > 0 and time.perf_counter() < deadline:
                state["remaining"] -= 1
                start = time.perf_counter()
                if writer is None:
                    # A server without keep-alive (gunicorn's sync workers)
                    # costs a connection per request, counted in its latency.
                    reader, writer = await asyncio.open_connection(HOST, port)
                writer.write(request)
                status, headers, _ = await read_response(reader)
                latencies.append(time.perf_counter() - start)
                if status != 200:
                    state["errors"] += 1
                if headers.get("connection", "").lower() == "close":
                    writer.close()
                    writer = None
        finally:
            if writer is not None:
                writer.close()

    start = time.perf_counter()
    await asyncio.gather(*(worker(start + duration) for _ in range(connections)))
    elapsed = time.perf_counter() - start
    latencies.sort()
    return {
        "requests": len(latencies),
        "errors": state["errors"],
        "rps": len(latencies) / elapsed,
        "p50_ms": latencies[len(latencies) // 2] * 1000,
        "p99_ms": latencies[int(len(latencies) * 0.99)] * 1000,
    }


# Connections opened to the cache servers, sampled during the load.


def cache_connections(backend, locations):
    """Return (currently open, opened since start) for the cache server."""
    if backend == "memcached":
        from pymemcache.client.base import Client

        host, port = locations["memcached"].split(",")[0].rsplit(":", 1)
        client = Client((host, int(port)))
        try:
            stats = client.stats()
        finally:
            client.close()
        return int(stats[b"curr_connections"]), int(stats[b"total_connections"])
    if backend == "redis":
        import redis

        client = redis.Redis.from_url(locations["redis"])
        try:
            info = client.info()
        finally:
            client.close()
        return info["connected_clients"], info["total_connections_received"]
    return 0, 0


async def sample_connections(backend, locations, stop):
    """Return the peak of open connections, and the number of samples."""
    peak = samples = 0
    while not stop.is_set():
        current, _ = await asyncio.to_thread(cache_connections, backend, locations)
        peak = max(peak, current)
        samples += 1
        try:
            await asyncio.wait_for(stop.wait(), 0.25)
        except TimeoutError:
            pass
    return peak, samples


async def measure(port, pid, backend, locations, args):
    # Warm up: fill the cache, start the lag probe, let the server settle.
    await load(port, "/page/", args.connections, 1.0, args.requests)
    status, _, body = await get(port, "/lag/?reset=1")
    info = json.loads(body)
    idle, opened_before = cache_connections(backend, locations)
    stop = asyncio.Event()
    sampler = asyncio.create_task(sample_connections(backend, locations, stop))
    cpu_before = cpu_seconds(pid)
    figures = await load(port, "/page/", args.connections, args.duration, args.requests)
    cpu_after = cpu_seconds(pid)
    stop.set()
    figures["cpu_us"] = (
        (cpu_after - cpu_before) / figures["requests"] * 1e6
        if cpu_before is not None and figures["requests"]
        else None
    )
    peak, samples = await sampler
    _, opened_after = cache_connections(backend, locations)
    _, _, body = await get(port, "/lag/")
    figures["lag"] = json.loads(body)["lag"]
    # Each sample opens a connection of its own, counted in these figures.
    figures["cache_conns_peak"] = peak - 1
    figures["cache_conns_idle_before"] = idle - 1
    figures["cache_conns_opened"] = opened_after - opened_before - samples - 1
    figures["django_path"] = info["django_path"]
    return figures


def check_tree(figures, tree):
    path = Path(figures["django_path"]).resolve()
    if not path.is_relative_to(tree.resolve()):
        raise SystemExit(f"The server ran Django from {path}, not from {tree}.")


def cpu_text(cpu_us):
    return "n/a" if cpu_us is None else f"{cpu_us:.0f}"


def lag_text(lag):
    if not lag.get("samples"):
        return "n/a"
    return f"{lag['p50_ms']}/{lag['max_ms']} ms ({lag['samples']} samples)"


def bench(args, locations):
    trees = {"stock": ensure_stock(), "branch": args.branch}
    results = {}
    for round_number in range(args.rounds):
        for backend in args.backends:
            for mode in args.modes:
                for name, tree in trees.items():
                    pids = []
                    with django_server(
                        tree,
                        backend,
                        mode,
                        locations,
                        args.server,
                        workers=args.workers,
                        pids=pids,
                    ) as port:
                        figures = asyncio.run(
                            measure(port, pids[0], backend, locations, args)
                        )
                    check_tree(figures, tree)
                    key = (backend, mode, name)
                    results.setdefault(key, []).append(figures)
                    print(
                        f"round {round_number + 1} {backend:9} {mode:10} {name:6} "
                        f"{figures['rps']:8.0f} req/s  p99 {figures['p99_ms']:6.1f} "
                        f"ms  server cpu {cpu_text(figures['cpu_us'])} us/req  "
                        f"lag p50/max {lag_text(figures['lag'])}  "
                        f"cache conns peak {figures['cache_conns_peak']} "
                        f"opened {figures['cache_conns_opened']}  "
                        f"errors {figures['errors']}",
                        flush=True,
                    )
    print()
    if args.server == "gunicorn":
        served = f"gunicorn, {args.workers} sync workers, WSGI, sync views"
        lag_note = "no event loop, no lag figures"
    else:
        served = f"{args.server}, ASGI, async views"
        lag_note = "lag = event loop sleep overshoot in the server"
    print(
        f"{served}; {args.connections} connections, {args.duration}s per "
        f"measure, median of {args.rounds} round(s); {lag_note}; share of "
        "floor = branch rps / branch floor rps of the same backend; cpu = "
        "the server's CPU time per request (all its processes), cpu ratio = "
        "stock cpu / branch cpu, cpu share = branch floor cpu / branch cpu"
    )
    header = (
        f"{'backend':9} {'mode':10} {'stock rps':>9} {'branch rps':>10} "
        f"{'ratio':>5}  {'share of floor':>14}  "
        f"{'cpu us stock':>12} {'branch':>6} {'cpu ratio':>9} {'cpu share':>9}  "
        f"{'lag p50/p99/max ms stock':>24}  {'branch':>20}  "
        f"{'conns peak/opened stock':>23}  {'branch':>9}"
    )
    print(header)
    for backend in args.backends:
        rows = {}
        for mode in args.modes:
            row = rows[mode] = {}
            for name in trees:
                runs = results[(backend, mode, name)]
                row[name] = {
                    "rps": statistics.median(r["rps"] for r in runs),
                    "peak": max(r["cache_conns_peak"] for r in runs),
                    "opened": max(r["cache_conns_opened"] for r in runs),
                    "cpu": (
                        statistics.median(r["cpu_us"] for r in runs)
                        if all(r["cpu_us"] for r in runs)
                        else None
                    ),
                }
                if all(r["lag"].get("samples") for r in runs):
                    row[name]["lag"] = "/".join(
                        f"{statistics.median(r['lag'][key] for r in runs):.2f}"
                        for key in ("p50_ms", "p99_ms", "max_ms")
                    )
                else:
                    row[name]["lag"] = "-"
        floor = rows.get("floor", {}).get("branch", {}).get("rps")
        floor_cpu = rows.get("floor", {}).get("branch", {}).get("cpu")
        for mode, row in rows.items():
            stock, branch = row["stock"], row["branch"]
            if floor and mode != "floor":
                share = f"{branch['rps'] / floor:.2f}x"
            else:
                share = "-"
            cpu_ratio = cpu_share = "-"
            if stock["cpu"] and branch["cpu"]:
                cpu_ratio = f"{stock['cpu'] / branch['cpu']:.2f}x"
                if floor_cpu and mode != "floor":
                    cpu_share = f"{floor_cpu / branch['cpu']:.2f}x"
            print(
                f"{backend:9} {mode:10} {stock['rps']:9.0f} {branch['rps']:10.0f} "
                f"{branch['rps'] / stock['rps']:5.2f}  {share:>14}  "
                f"{cpu_text(stock['cpu']):>12} {cpu_text(branch['cpu']):>6} "
                f"{cpu_ratio:>9} {cpu_share:>9}  "
                f"{stock['lag']:>24}  {branch['lag']:>20}  "
                f"{stock['peak']:11}/{stock['opened']:<11}  "
                f"{branch['peak']:4}/{branch['opened']:<4}"
            )


CACHE_HEADERS = {"age", "expires", "cache-control"}


def smoke_one(tree, server, backend, mode, locations, workers):
    """Serve, GET the page twice; return whether it behaved as `mode` should."""
    with django_server(tree, backend, mode, locations, server, workers=workers) as port:
        first = asyncio.run(get(port, "/page/"))
        # The session cookie, if any (session mode).
        cookie = first[1].get("set-cookie", "").partition(";")[0]
        second = asyncio.run(get(port, "/page/", cookie))
        info = json.loads(asyncio.run(get(port, "/lag/"))[2])
    check_tree(info, tree)
    if mode == "session":
        # The second visit was counted in the session of the first.
        return (
            first[0] == second[0] == 200
            and cookie.startswith("sessionid=")
            and first[2] == b"<p>Visit 1.</p>"
            and second[2] == b"<p>Visit 2.</p>"
        )
    if mode == "floor":
        # Both were rendered (the server has one process), with no cache
        # headers: nothing cached them.
        return (
            first[0] == second[0] == 200
            and first[2].startswith(b"<p>Rendered ")
            and int(second[1]["x-render-count"]) - int(first[1]["x-render-count"]) == 1
            and not CACHE_HEADERS & (first[1].keys() | second[1].keys())
        )
    # The second response came from the cache.
    return (
        first[0] == second[0] == 200
        and second[2] == first[2]
        and second[1]["x-render-count"] == first[1]["x-render-count"]
        and "age" in second[1]
        and "age" not in first[1]
    )


def smoke(args, locations):
    # The floor view never touches the cache: checked with the first backend.
    checks = [
        (args.server, backend, mode)
        for backend in args.backends
        for mode in args.modes
        if mode != "floor" or backend == args.backends[0]
    ]
    if args.server == "uvicorn":
        # The WSGI path once (one gunicorn start): the cache middleware's
        # sync flavour, the second response from the cache.
        checks.append(("gunicorn", args.backends[0], "middleware"))
    failures = []
    for server, backend, mode in checks:
        ok = smoke_one(args.branch, server, backend, mode, locations, args.workers)
        print(f"smoke {server} {backend} {mode}: {'ok' if ok else 'FAILED'}")
        if not ok:
            failures.append((server, backend, mode))
    return not failures


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--smoke", action="store_true")
    parser.add_argument(
        "--serve",
        type=int,
        metavar="PORT",
        help="serve the project (first backend and mode) until interrupted",
    )
    parser.add_argument(
        "--server",
        choices=["uvicorn", "hypercorn", "daphne", "gunicorn"],
        default="uvicorn",
    )
    parser.add_argument(
        "--wsgi",
        action="store_const",
        const="gunicorn",
        dest="server",
        help="the sync views under gunicorn (the same as --server gunicorn)",
    )
    parser.add_argument(
        "--workers", type=int, default=2, help="gunicorn sync workers (default 2)"
    )
    parser.add_argument("--branch", type=Path, default=ROOT / "build" / "django")
    parser.add_argument("--backends", default="memcached,redis")
    parser.add_argument(
        "--modes",
        help=f"default {','.join(ASGI_MODES)}; with gunicorn {','.join(WSGI_MODES)}",
    )
    parser.add_argument("--connections", type=int, help="default 100; with gunicorn 8")
    parser.add_argument("--duration", type=float, default=5.0)
    parser.add_argument("--requests", type=int, default=500_000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--memcached", help="HOST:PORT of a running memcached")
    parser.add_argument("--redis", help="URL of a running Redis")
    args = parser.parse_args()
    # Stop the servers started here when terminated.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(1))
    wsgi = args.server == "gunicorn"
    args.backends = args.backends.split(",")
    modes = args.modes.split(",") if args.modes else None
    args.modes = modes or (WSGI_MODES if wsgi else ASGI_MODES)
    unknown = set(args.modes) - set(WSGI_MODES if wsgi else ASGI_MODES)
    if unknown:
        parser.error(f"unknown mode(s) for {args.server}: {', '.join(sorted(unknown))}")
    if args.connections is None:
        args.connections = 8 if wsgi else 100
    start_memcached = "memcached" in args.backends and not args.memcached
    start_redis = "redis" in args.backends and not args.redis
    with Servers(memcached=int(start_memcached), redis=start_redis, pylibmc=False) as s:
        locations = {}
        if "memcached" in args.backends:
            locations["memcached"] = args.memcached or s.memcached[0]
        if "redis" in args.backends:
            locations["redis"] = args.redis or s.redis_url
        if args.smoke:
            return 0 if smoke(args, locations) else 1
        if args.serve:
            # The demo (`./scripts/branch demo --serve`) serves a cached page.
            backend, mode = args.backends[0], modes[0] if modes else "decorator"
            with django_server(
                args.branch,
                backend,
                mode,
                locations,
                args.server,
                args.serve,
                workers=args.workers,
            ):
                print(
                    f"Serving http://{HOST}:{args.serve}/page/ ({args.server}, "
                    f"{backend}, {mode}) and /lag/; Ctrl-C to stop.",
                    flush=True,
                )
                try:
                    while True:
                        time.sleep(3600)
                except KeyboardInterrupt:
                    pass
            return 0
        bench(args, locations)
    return 0


if __name__ == "__main__":
    sys.exit(main())

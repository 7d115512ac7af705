"""memcached and Redis servers on free loopback ports, as children."""

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from .paths import RUN, Failure


def port_is_free(port, host="127.0.0.1"):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind((host, port))
        except OSError:
            return False
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.settimeout(0.2)
        return s.connect_ex((host, port)) != 0


def pick_port(preferred, taken=(), host="127.0.0.1"):
    """The first free port from preferred on (skipping busy ones)."""
    for port in range(preferred, preferred + 200):
        if port not in taken and port_is_free(port, host):
            return port
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def _die_with_parent():
    """Children get SIGTERM if this process dies (Linux)."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except Exception:
        pass


class Servers:
    """memcached x N and one Redis server, as children, on free loopback ports."""

    def __init__(self, memcached=3, redis=True, workdir=None, pylibmc=True):
        self.pylibmc = pylibmc
        self.n_memcached = memcached + (1 if pylibmc else 0)
        self.want_redis = redis
        if workdir is None:
            RUN.mkdir(parents=True, exist_ok=True)
            workdir = tempfile.mkdtemp(prefix="servers-", dir=RUN)
        self.workdir = Path(workdir)
        self.procs = {}
        self.memcached = []
        self.redis_url = None

    def _start(self, name, cmd, port):
        with open(self.workdir / f"{name}.log", "wb") as logf:
            proc = subprocess.Popen(
                cmd, stdout=logf, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                preexec_fn=_die_with_parent, cwd=self.workdir,
            )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                return None
            with socket.socket() as s:
                s.settimeout(0.2)
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    self.procs[name] = proc
                    return proc
            time.sleep(0.05)
        proc.kill()
        return None

    def start_one(self, name, make_cmd, preferred):
        taken = set()
        for _ in range(5):
            port = pick_port(preferred, taken)
            taken.add(port)
            if self._start(name, make_cmd(port), port):
                return port
        raise Failure(f"Could not start {name}; see {self.workdir / (name + '.log')}")

    def memcached_cmd(self, port):
        cmd = ["memcached", "-l", "127.0.0.1", "-p", str(port), "-U", "0",
               "-m", "64", "-c", "1024", "-t", "2"]
        if os.geteuid() == 0:
            cmd += ["-u", "root"]
        return cmd

    def redis_cmd(self, port):
        return ["redis-server", "--bind", "127.0.0.1", "--port", str(port),
                "--save", "", "--appendonly", "no", "--daemonize", "no",
                "--dir", str(self.workdir), "--maxclients", "2000"]

    def __enter__(self):
        self.workdir.mkdir(parents=True, exist_ok=True)
        try:
            port = 21211
            for i in range(self.n_memcached):
                port = self.start_one(f"memcached{i}", self.memcached_cmd, port) + 1
                self.memcached.append(f"127.0.0.1:{port - 1}")
            if self.want_redis:
                port = self.start_one("redis", self.redis_cmd, 26379)
                self.redis_url = f"redis://127.0.0.1:{port}"
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self):
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.terminate()
        for proc in self.procs.values():
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        self.procs.clear()

    def __exit__(self, *exc):
        self.stop()
        shutil.rmtree(self.workdir, ignore_errors=True)

    def env(self):
        # PyLibMCCache gets a server of its own: test processes running in
        # parallel flush their servers.
        shared = self.memcached[:-1] if self.pylibmc else self.memcached
        return {
            "BRANCH_MEMCACHED": ",".join(shared),
            "BRANCH_PYLIBMC": self.memcached[-1] if self.pylibmc else "",
            "BRANCH_REDIS": self.redis_url or "",
        }


@contextlib.contextmanager
def terminate_as_interrupt():
    """SIGTERM (CI stopping the job) cleans up like Ctrl-C."""

    def handler(signum, frame):
        raise KeyboardInterrupt

    old = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, old)

"""demo and bench."""

import subprocess

from .env import TEST_PACKAGES, ensure_packages, ensure_venv
from .paths import ROOT, SCRIPTS, Failure, run, say


def install_bench_requirements(python):
    """The raw clients and ASGI servers the benchmarks and smoke tests use."""
    proc = run([python, "-m", "pip", "install", "-q", "--disable-pip-version-check",
                "-r", ROOT / "bench" / "requirements.txt"], check=False,
               capture_output=True, text=True)
    if proc.returncode:
        raise Failure("Could not install bench/requirements.txt:\n" + proc.stderr[-3000:])


def cmd_demo(args):
    python = ensure_venv()
    if args.serve is not None:
        ensure_packages({k: TEST_PACKAGES[k] for k in ("memcached", "redis-server")})
        install_bench_requirements(python)
        cmd = [python, ROOT / "bench" / "e2e_load.py", "--serve", str(args.serve),
               "--backends", args.backend]
        if args.memcached:
            cmd += ["--memcached", args.memcached]
        if args.redis:
            cmd += ["--redis", args.redis]
        return subprocess.run([str(c) for c in cmd]).returncode
    cmd = [python, SCRIPTS / "demo.py"]
    if args.memcached:
        cmd += ["--memcached", args.memcached]
    if args.redis:
        cmd += ["--redis", args.redis]
    return subprocess.run([str(c) for c in cmd]).returncode


# name: (what it measures, the script under bench/ and its first arguments).
BENCHMARKS = {
    "cache": ("per-backend cache calls (default)", ["run.py"]),
    "e2e": ("ASGI end to end", ["e2e_load.py"]),
    "wsgi": ("gunicorn end to end", ["e2e_load.py", "--wsgi"]),
    "get_or_set": ("stampede", ["get_or_set.py"]),
    "instructions": ("callgrind's counts of locmem calls", ["instructions.py"]),
    "inprocess": (
        "CPU time of whole WSGI requests without a server",
        ["wsgi_inprocess.py"],
    ),
    "e2e_instructions": (
        "callgrind's counts of whole requests under uvicorn",
        ["e2e_instructions.py"],
    ),
}
# The benchmarks that run valgrind.
CALLGRIND = {"instructions", "e2e_instructions"}


def cmd_bench(args):
    python = ensure_venv()
    ensure_packages({k: TEST_PACKAGES[k] for k in ("memcached", "redis-server")})
    install_bench_requirements(python)
    bench_args = [a for a in args.bench_args if a != "--"]
    names = list(BENCHMARKS) if args.which == "all" else [args.which]
    if CALLGRIND & set(names):
        ensure_packages({"valgrind": ["/usr/bin/valgrind"]})
    status = 0
    for name in names:
        _, (script, *first) = BENCHMARKS[name]
        say(f"== bench/{script} {' '.join([*first, *bench_args])}")
        status |= subprocess.run(
            [str(python), str(ROOT / "bench" / script), *first, *bench_args]
        ).returncode
    return status

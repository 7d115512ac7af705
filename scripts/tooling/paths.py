"""Paths, constants and small helpers shared by every tooling module."""

import os
import subprocess
import sys
from pathlib import Path

from branchlib import ROOT, Failure  # noqa: F401  (re-exported)

SCRIPTS = ROOT / "scripts"
PATCHES = ROOT / "patches"
SERIES_FILE = PATCHES / "series"
# Pull request texts, one per topic: pr/<slug>.md.
PR_DIR = ROOT / "pr"
# Everything the tooling makes lives under BUILD. BRANCH_BUILD_DIR moves it
# all (branch, venv, logs, stock tree) elsewhere, e.g. to try the tooling on
# a scratch materialization without touching build/.
BUILD = Path(os.environ.get("BRANCH_BUILD_DIR") or ROOT / "build").absolute()
BRANCH = BUILD / "django"
STOCK = BUILD / "stock"
VENV = BUILD / "venv"
RUN = BUILD / "run"
CACHE = Path(os.environ.get("BRANCH_SDIST_CACHE") or ROOT / "build" / "cache")
REQUIREMENTS = SCRIPTS / "requirements.txt"
OPTIONAL_REQUIREMENTS = SCRIPTS / "requirements-optional.txt"
SETTINGS_DIR = SCRIPTS / "testsettings"
# Django's flake8 configuration (its repository's .flake8, which the release
# sdist does not ship), passed with --config when linting the branch.
FLAKE8_CONFIG = SCRIPTS / "flake8.cfg"


def say(*args):
    print(*args, flush=True)


def log(*args):
    print(*args, file=sys.stderr, flush=True)


def run(cmd, **kwargs):
    kwargs.setdefault("check", True)
    try:
        return subprocess.run([str(c) for c in cmd], **kwargs)
    except subprocess.CalledProcessError as exc:
        raise Failure(f"{' '.join(map(str, cmd))} exited with {exc.returncode}.")


def git(*args, cwd=None, check=True, env=None, capture=True):
    """git ARGS in cwd (default: the branch); its stripped stdout."""
    cwd = BRANCH if cwd is None else cwd
    full_env = {**os.environ, **(env or {})}
    proc = subprocess.run(
        ["git", *map(str, args)], cwd=cwd, env=full_env, text=True,
        capture_output=capture,
    )
    if check and proc.returncode:
        raise Failure(
            f"git {' '.join(map(str, args))} failed in {cwd}:\n"
            + ((proc.stdout or "") + (proc.stderr or "")).strip()
        )
    return proc.stdout.strip() if capture else ""


def rel(path):
    """path relative to the repository when it is inside it (for messages)."""
    try:
        return Path(path).relative_to(ROOT).as_posix()
    except ValueError:
        return str(path)

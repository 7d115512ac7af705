"""Debian packages and the branch's virtual environment (build/venv)."""

import glob
import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from .paths import BRANCH, OPTIONAL_REQUIREMENTS, REQUIREMENTS, VENV, Failure, log, run
from .series import cmd_build

# Debian packages the test command needs, with a file that shows each one is
# there (dpkg may not know of a server installed another way).
TEST_PACKAGES = {
    "memcached": ["/usr/bin/memcached"],
    "redis-server": ["/usr/bin/redis-server"],
    # pylibmc builds against it (PyLibMCCache tests).
    "libmemcached-dev": ["/usr/include/libmemcached/memcached.h"],
    # pyenchant, for the docs spelling check.
    "libenchant-2-2": ["/usr/lib/*/libenchant-2.so.2"],
    # Offline intersphinx inventories for the docs build (no network here).
    "python3-doc": ["/usr/share/doc/python3*/html/objects.inv"],
    "sphinx-doc": ["/usr/share/doc/sphinx-doc/html/objects.inv"],
    "python-psycopg-doc": ["/usr/share/doc/python-psycopg-doc/html/objects.inv"],
    "make": ["/usr/bin/make"],
}


# --- Debian packages -------------------------------------------------------


def missing_packages(packages):
    return [
        name for name, paths in packages.items()
        if not any(glob.glob(p) for p in paths)
    ]


def ensure_packages(packages=TEST_PACKAGES):
    missing = missing_packages(packages)
    if not missing:
        return
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        raise Failure(
            "These Debian packages are needed and missing: " + " ".join(missing)
            + "\nInstall them with: sudo apt-get install " + " ".join(missing)
        )
    log("Installing Debian packages: " + " ".join(missing))
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    run(["apt-get", "update", "-qq"], env=env, stdout=subprocess.DEVNULL)
    run(["apt-get", "install", "-y", "-qq", "--no-install-recommends", *missing],
        env=env, stdout=subprocess.DEVNULL)
    still = missing_packages(packages)
    if still:
        raise Failure("apt-get did not install: " + " ".join(still))


# --- The branch's virtual environment --------------------------------------


def venv_python():
    return VENV / "bin" / "python"


def ensure_branch():
    if not (BRANCH / ".git").is_dir():
        cmd_build(None)


# Run by the venv's interpreter: which requirements (argv[1], a JSON list of
# requirement strings) no installed distribution satisfies, and whether the
# distribution argv[2] is installed editable from the folder argv[3] with its
# own dependencies satisfied. Prints {"missing": [...], "branch": bool}.
CHECK_INSTALLED = r"""
import importlib.metadata as md, json, os, sys, urllib.parse, urllib.request
try:
    from packaging.requirements import Requirement
except ImportError:
    from pip._vendor.packaging.requirements import Requirement

def satisfied(text):
    req = Requirement(text)
    if req.marker and not req.marker.evaluate({"extra": ""}):
        return True
    try:
        version = md.version(req.name)
    except md.PackageNotFoundError:
        return False
    return req.specifier.contains(version, prereleases=True)

wanted, name, folder = json.loads(sys.argv[1]), sys.argv[2], sys.argv[3]
try:
    dist = md.distribution(name)
    url = json.loads(dist.read_text("direct_url.json") or "{}")
    branch = (
        url.get("dir_info", {}).get("editable", False)
        and os.path.realpath(urllib.request.url2pathname(
            urllib.parse.urlparse(url.get("url", "")).path)) == os.path.realpath(folder)
        and all(satisfied(r) for r in dist.requires or [])
    )
except md.PackageNotFoundError:
    branch = False
print(json.dumps({"missing": [r for r in wanted if not satisfied(r)], "branch": branch}))
"""


def read_requirements(path):
    """The requirement lines of a requirements file (no comments or options)."""
    lines = []
    for line in Path(path).read_text().splitlines():
        line = line.split(" #", 1)[0].strip()
        if line and not line.startswith(("#", "-")):
            lines.append(line)
    return lines


def branch_project_name():
    import tomllib

    with open(BRANCH / "pyproject.toml", "rb") as f:
        return tomllib.load(f)["project"]["name"]


def venv_missing(python, requirements):
    """
    The requirements the venv lacks (or has at another version), plus
    "the branch" when it is not installed editable from the branch with its
    dependencies: one run of the venv's interpreter, no pip.
    """
    proc = subprocess.run(
        [str(python), "-c", CHECK_INSTALLED, json.dumps(requirements),
         branch_project_name(), str(BRANCH)],
        capture_output=True, text=True,
    )
    try:
        state = json.loads(proc.stdout)
    except ValueError:
        # The check did not run: install everything.
        log("Could not check build/venv:\n" + proc.stderr.strip()[-2000:])
        return [*requirements, "the branch"]
    return state["missing"] + ([] if state["branch"] else ["the branch"])


def pip_install(python, *args):
    return run([python, "-m", "pip", "--disable-pip-version-check", "-q", "install",
                *args], check=False, capture_output=True, text=True)


def ensure_venv():
    """
    Create build/venv with the branch installed editable, and complete it:
    every requirement of scripts/requirements.txt, and those of
    requirements-optional.txt (pylibmc) once they can be built (Debian's
    libmemcached-dev is there), whatever command created it. Cheap when
    nothing is missing: one run of the venv's interpreter.
    """
    ensure_branch()
    stamp_file = VENV / ".branch-stamp"
    digest = hashlib.sha256()
    digest.update(sys.executable.encode())
    for path in (REQUIREMENTS, OPTIONAL_REQUIREMENTS, BRANCH / "pyproject.toml"):
        digest.update(path.read_bytes())
    stamp = digest.hexdigest()
    required = read_requirements(REQUIREMENTS)
    optional = read_requirements(OPTIONAL_REQUIREMENTS)
    # pylibmc builds against libmemcached-dev: without it, not wanted (yet).
    want_optional = not missing_packages(
        {"libmemcached-dev": TEST_PACKAGES["libmemcached-dev"]})
    wanted = required + (optional if want_optional else [])
    if not venv_python().exists():
        log(f"Creating build/venv with {sys.executable}...")
        run([sys.executable, "-m", "venv", VENV], stdout=subprocess.DEVNULL)
        missing = [*wanted, "the branch"]
    else:
        missing = venv_missing(venv_python(), wanted)
        stale = not stamp_file.exists() or stamp_file.read_text() != stamp
        if not missing and not stale:
            return venv_python()
        if stale:
            # Requirements or the branch's pyproject.toml changed: reinstall.
            missing = [*wanted, "the branch"]
        else:
            log("build/venv lacks " + ", ".join(missing) + ": installing.")
    if any(m not in optional for m in missing):
        log("Installing the branch (editable) and the test requirements...")
        proc = pip_install(venv_python(), "-r", REQUIREMENTS, "-e", BRANCH)
        if proc.returncode:
            raise Failure("pip could not install the branch or the test requirements:\n"
                          + (proc.stdout + proc.stderr)[-5000:])
    if want_optional and any(m in optional for m in missing):
        proc = pip_install(venv_python(), "-r", OPTIONAL_REQUIREMENTS)
        if proc.returncode:
            log((proc.stdout + proc.stderr)[-2000:])
            log("pylibmc did not build; the PyLibMCCache tests will not run.")
    stamp_file.write_text(stamp)
    return venv_python()


def prepare_test_environment():
    """What the test command needs before the tests: packages, then the venv."""
    ensure_packages()
    return ensure_venv()


def cmd_python(args):
    print(ensure_venv())
    return 0

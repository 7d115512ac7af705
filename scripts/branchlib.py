"""Materializing the patched Django: shared by the tooling (scripts/tooling/) and the
PEP 517 backend (scripts/build_backend.py). Standard library only."""

import hashlib
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PATCHES = ROOT / "patches"
SERIES = PATCHES / "series"
LOCAL_LABEL = "asynccache"
# Files of the sdist that are build products, not sources: they are not put
# in the branch (an editable install rewrites them).
SDIST_BUILD_PRODUCTS = ("Django.egg-info",)


class Failure(Exception):
    """An error to report to the user in plain words, without a traceback."""


def read_base(root=ROOT):
    base = {}
    for line in (root / "BASE").read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            base[key.strip()] = value.strip()
    for key in ("DJANGO_VERSION", "SDIST", "SHA256"):
        if not base.get(key):
            raise Failure(f"BASE has no {key}= line.")
    return base


def series(root=ROOT):
    """The patch file names listed in patches/series, in order."""
    path = root / "patches" / "series"
    if not path.exists():
        return []
    names = []
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            if not (root / "patches" / line).is_file():
                raise Failure(f"patches/series lists {line}, which does not exist.")
            names.append(line)
    return names


def local_version(root=ROOT):
    return "%s+%s.%d" % (
        read_base(root)["DJANGO_VERSION"],
        LOCAL_LABEL,
        len(series(root)),
    )


def sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def fetch_sdist(cache_dir, base, python=sys.executable, log=print, build_isolation=True):
    """Download the pinned sdist with pip (once) and check its sha256."""
    cache_dir = Path(cache_dir)
    cache_dir.mkdir(parents=True, exist_ok=True)
    path = cache_dir / base["SDIST"]
    if not path.exists():
        log(f"Downloading Django {base['DJANGO_VERSION']} sdist with pip...")
        with tempfile.TemporaryDirectory(dir=cache_dir) as tmp:
            cmd = [
                python, "-m", "pip", "download", "--disable-pip-version-check",
                "--no-deps", "--no-binary", ":all:", "--dest", tmp,
                f"django=={base['DJANGO_VERSION']}",
            ]
            if not build_isolation:
                # Inside a PEP 517 build: setuptools is already installed.
                cmd.insert(4, "--no-build-isolation")
            proc = subprocess.run(cmd, capture_output=True, text=True)
            got = Path(tmp) / base["SDIST"]
            if proc.returncode or not got.exists():
                raise Failure(
                    f"pip could not download {base['SDIST']}:\n"
                    + (proc.stdout + proc.stderr).strip()[-2000:]
                )
            os.replace(got, path)
    actual = sha256(path)
    if actual != base["SHA256"]:
        bad = path.with_name(path.name + ".bad-checksum")
        os.replace(path, bad)
        raise Failure(
            f"Checksum mismatch for {base['SDIST']}: expected sha256 "
            f"{base['SHA256']}, got {actual}. Nothing was unpacked; the file "
            f"was moved to {bad}."
        )
    return path


def unpack_sdist(sdist, dest):
    """Unpack the sdist's top folder into dest (which must not exist)."""
    dest = Path(dest)
    with tempfile.TemporaryDirectory(dir=dest.parent) as tmp:
        with tarfile.open(sdist) as tar:
            tar.extractall(tmp, filter="data")
        (top,) = Path(tmp).iterdir()
        for name in SDIST_BUILD_PRODUCTS:
            shutil.rmtree(top / name, ignore_errors=True)
        os.replace(top, dest)
    return dest


def apply_patches_plain(tree, root=ROOT):
    """Apply the series to a plain (non-git) tree with `git apply`."""
    for name in series(root):
        proc = subprocess.run(
            ["git", "apply", "--whitespace=nowarn", str(root / "patches" / name)],
            cwd=tree, capture_output=True, text=True,
        )
        if proc.returncode:
            raise Failure(f"Patch {name} does not apply:\n{proc.stderr.strip()}")

"""PEP 517 backend: `pip install .` / `pip install git+<url>` of this
repository builds Django from the pinned release with the patch series
applied, versioned e.g. 6.1.3+asynccache.3.

It downloads the pinned sdist with pip (checking its sha256), unpacks it in a
temporary folder, applies patches/series there with `git apply`, sets the
local version, and hands over to the release's own setuptools build.
"""

import atexit
import os
import re
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from branchlib import (  # noqa: E402
    ROOT,
    apply_patches_plain,
    fetch_sdist,
    local_version,
    read_base,
    unpack_sdist,
)

_tree = None


def _materialize():
    global _tree
    if _tree is None:
        if sys.version_info < (3, 12):
            raise RuntimeError(
                "Django 6.1 needs Python >= 3.12; this build runs Python %d.%d "
                "(%s). Install with a newer interpreter." % (*sys.version_info[:2], sys.executable)
            )
        base = read_base()
        cache = Path(
            os.environ.get("BRANCH_SDIST_CACHE")
            or Path.home() / ".cache" / "django-asynccache"
        )
        sdist = fetch_sdist(
            cache, base, log=lambda msg: print(msg, file=sys.stderr),
            build_isolation=False,
        )
        work = Path(tempfile.mkdtemp(prefix="django-asynccache-"))
        atexit.register(shutil.rmtree, work, True)
        tree = unpack_sdist(sdist, work / "django")
        apply_patches_plain(tree)
        pyproject = tree / "pyproject.toml"
        text = pyproject.read_text()
        text, n = re.subn(
            r'^dynamic = \["version"\]$',
            f'version = "{local_version()}"',
            text,
            flags=re.M,
        )
        text = re.sub(r'^version = \{attr = "django.__version__"\}$\n?', "", text,
                      flags=re.M)
        if n != 1:
            raise RuntimeError("Could not set the version in pyproject.toml.")
        pyproject.write_text(text)
        _tree = tree
    return _tree


class _In:
    def __enter__(self):
        self.old = os.getcwd()
        os.chdir(_materialize())

    def __exit__(self, *exc):
        os.chdir(self.old)


def _setuptools():
    from setuptools import build_meta

    return build_meta


def get_requires_for_build_wheel(config_settings=None):
    with _In():
        return _setuptools().get_requires_for_build_wheel(config_settings)


def get_requires_for_build_sdist(config_settings=None):
    with _In():
        return _setuptools().get_requires_for_build_sdist(config_settings)


def prepare_metadata_for_build_wheel(metadata_directory, config_settings=None):
    metadata_directory = os.path.abspath(metadata_directory)
    with _In():
        return _setuptools().prepare_metadata_for_build_wheel(
            metadata_directory, config_settings
        )


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    wheel_directory = os.path.abspath(wheel_directory)
    if metadata_directory:
        metadata_directory = os.path.abspath(metadata_directory)
    with _In():
        return _setuptools().build_wheel(
            wheel_directory, config_settings, metadata_directory
        )


def build_sdist(sdist_directory, config_settings=None):
    sdist_directory = os.path.abspath(sdist_directory)
    with _In():
        return _setuptools().build_sdist(sdist_directory, config_settings)


def get_version():
    return local_version(ROOT)

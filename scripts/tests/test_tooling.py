"""Tests of the patch-set tooling itself (run by `./scripts/branch test`)."""

import contextlib
import io
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path
from unittest import mock

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))

import branchlib  # noqa: E402
import commands  # noqa: E402

SHARED_CACHE = ROOT / "build" / "cache"


class ToolingTestCase(unittest.TestCase):
    """Each test gets a copy of the repository's tooling and patches."""

    def setUp(self):
        self.root = Path(tempfile.mkdtemp(prefix="tooling-test-"))
        self.addCleanup(shutil.rmtree, self.root, True)
        for name in ("BASE", "pyproject.toml"):
            shutil.copy(ROOT / name, self.root / name)
        shutil.copytree(ROOT / "patches", self.root / "patches")
        shutil.copytree(
            ROOT / "scripts", self.root / "scripts",
            ignore=shutil.ignore_patterns("__pycache__", "tests"),
        )
        self.cache = self.root / "sdist-cache"
        self.cache.mkdir()
        sdist = branchlib.read_base(ROOT)["SDIST"]
        if (SHARED_CACHE / sdist).exists():
            shutil.copy(SHARED_CACHE / sdist, self.cache / sdist)

    def branch(self, *args, env=None):
        return subprocess.run(
            [str(self.root / "scripts" / "branch"), *args],
            cwd=self.root, capture_output=True, text=True,
            env={**os.environ, "BRANCH_SDIST_CACHE": str(self.cache), **(env or {})},
        )

    def git(self, *args):
        return subprocess.run(
            ["git", *args], cwd=self.root / "build" / "django",
            capture_output=True, text=True, check=True,
        ).stdout

    def assertOK(self, proc):
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)

    def assertFails(self, proc, *fragments):
        self.assertNotEqual(proc.returncode, 0, proc.stdout + proc.stderr)
        for fragment in fragments:
            self.assertIn(fragment, proc.stdout + proc.stderr)

    def snapshot(self, folder):
        return {
            p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()
        }


class BuildExportTests(ToolingTestCase):
    def test_round_trip_is_byte_identical(self):
        before = self.snapshot(self.root / "patches")
        self.assertOK(self.branch("build"))
        n = len(branchlib.series(self.root))
        self.assertEqual(self.git("rev-list", "--count", "upstream..HEAD").strip(), str(n))
        self.assertOK(self.branch("export"))
        self.assertEqual(self.snapshot(self.root / "patches"), before)
        # Building again is a no-op.
        proc = self.branch("build")
        self.assertOK(proc)
        self.assertIn("up to date", proc.stdout)

    def test_new_commit_round_trip(self):
        self.assertOK(self.branch("build"))
        target = self.root / "build" / "django" / "AUTHORS"
        target.write_text(target.read_text() + "A. Tester\n")
        self.git("commit", "-qam", "Added a tester to AUTHORS.")
        self.assertOK(self.branch("export"))
        names = branchlib.series(self.root)
        self.assertTrue(names[-1].endswith("-Added-a-tester-to-AUTHORS.patch"), names)
        exported = self.snapshot(self.root / "patches")
        shutil.rmtree(self.root / "build" / "django")
        self.assertOK(self.branch("build"))
        self.assertTrue(target.read_text().endswith("A. Tester\n"))
        self.assertOK(self.branch("export"))
        self.assertEqual(self.snapshot(self.root / "patches"), exported)
        self.assertEqual(
            branchlib.local_version(self.root),
            branchlib.read_base(self.root)["DJANGO_VERSION"] + f"+asynccache.{len(names)}",
        )

    def test_checksum_mismatch_stops_before_unpacking(self):
        base = (self.root / "BASE").read_text()
        good = branchlib.read_base(self.root)["SHA256"]
        (self.root / "BASE").write_text(base.replace(good, "0" * 64))
        proc = self.branch("build")
        self.assertFails(proc, "Checksum mismatch", "expected sha256 " + "0" * 64, good)
        self.assertFalse((self.root / "build" / "django").exists())

    def test_patch_that_does_not_apply(self):
        bad = (
            "From 0000000000000000000000000000000000000000 Mon Sep 17 00:00:00 2001\n"
            "From: A. Tester <tester@example.com>\n"
            "Date: Sat, 1 Jan 2000 00:00:00 +0000\n"
            "Subject: [PATCH] Broke the version.\n\n---\n"
            " django/__init__.py | 2 +-\n 1 file changed, 1 insertion(+), 1 deletion(-)\n\n"
            "diff --git a/django/__init__.py b/django/__init__.py\n"
            "--- a/django/__init__.py\n+++ b/django/__init__.py\n"
            "@@ -1,3 +1,3 @@\n-this line is not there\n+nor is this one\n"
            " from django.utils.version import get_version\n \n"
        )
        (self.root / "patches" / "9999-Broke-the-version.patch").write_text(bad)
        with open(self.root / "patches" / "series", "a") as f:
            f.write("9999-Broke-the-version.patch\n")
        proc = self.branch("build")
        self.assertFails(proc, "9999-Broke-the-version.patch does not apply",
                         "django/__init__.py")
        # The partial branch is left for inspection, and not rebuilt over.
        self.assertTrue((self.root / "build" / "django" / ".git" / "rebase-apply").exists())
        self.assertFails(self.branch("build"), "patch application is in progress")

    def test_refuses_to_rebuild_over_unexported_work(self):
        self.assertOK(self.branch("build"))
        readme = self.root / "build" / "django" / "README.rst"
        readme.write_text(readme.read_text() + "\nLocal edit.\n")
        self.assertFails(self.branch("build"), "Uncommitted changes", "README.rst")
        self.git("commit", "-qam", "Edited the README.")
        self.assertFails(self.branch("build"), "not exported", "Edited the README.")
        self.assertIn("Local edit.", readme.read_text())
        self.assertOK(self.branch("export"))
        self.assertIn("up to date", self.branch("build").stdout)
        # --force discards what was not exported.
        readme.write_text("gone\n")
        self.assertOK(self.branch("build", "--force"))
        self.assertIn("Local edit.", readme.read_text())


class PythonTests(ToolingTestCase):
    def test_no_suitable_python(self):
        fake = self.root / "fakebin"
        fake.mkdir()
        old = fake / "python3"
        old.write_text(
            '#!/bin/sh\ncase "$*" in *version_info*) echo 3.11.2;; esac\n'
        )
        old.chmod(0o755)
        proc = subprocess.run(
            [str(self.root / "scripts" / "find-python")], capture_output=True,
            text=True, env={"PATH": f"{fake}:/usr/bin:/bin", "HOME": str(self.root),
                            "BRANCH_PYTHON_NO_SEARCH": "1"},
        )
        self.assertFails(proc, "No Python >= 3.12", "python3 (3.11.2)", "pyenv install")

    def test_finds_python(self):
        proc = subprocess.run([str(self.root / "scripts" / "find-python")],
                              capture_output=True, text=True)
        self.assertOK(proc)
        version = subprocess.run(
            [proc.stdout.strip(), "-c", "import sys; print(sys.version_info >= (3, 12))"],
            capture_output=True, text=True,
        ).stdout.strip()
        self.assertEqual(version, "True")


class ServerTests(unittest.TestCase):
    def test_pick_port_skips_busy_ports(self):
        with socket.socket() as busy:
            busy.bind(("127.0.0.1", 0))
            busy.listen()
            port = busy.getsockname()[1]
            picked = commands.pick_port(port)
            self.assertNotEqual(picked, port)
            self.assertTrue(commands.port_is_free(picked))

    def test_servers_start_on_free_ports_and_stop(self):
        with socket.socket() as busy:
            try:
                busy.bind(("127.0.0.1", 21211))
                busy.listen()
            except OSError:
                pass  # Already busy: just as good.
            workdir = tempfile.mkdtemp(prefix="servers-test-")
            with commands.Servers(memcached=1, redis=True, pylibmc=False,
                                  workdir=workdir) as servers:
                host, port = servers.memcached[0].split(":")
                self.assertNotEqual(int(port), 21211)
                with socket.create_connection((host, int(port))) as s:
                    s.sendall(b"version\r\n")
                    self.assertTrue(s.recv(100).startswith(b"VERSION "))
                procs = list(servers.procs.values())
                self.assertEqual(len(procs), 2)
            for proc in procs:
                self.assertIsNotNone(proc.poll())


# An in-tree PEP 517 backend for a stand-in of build/django (installed
# editable as build/django is), and the wheel writer it uses, which also
# makes the stand-in requirements: pip installs them all offline in seconds.
FAKE_BACKEND = """\
import base64, hashlib, os, zipfile


def make_wheel(folder, name, version, files):
    dist = f"{name}-{version}.dist-info"
    files = dict(files)
    files[dist + "/METADATA"] = (
        f"Metadata-Version: 2.1\\nName: {name}\\nVersion: {version}\\n")
    files[dist + "/WHEEL"] = ("Wheel-Version: 1.0\\nGenerator: scripts/tests\\n"
                              "Root-Is-Purelib: true\\nTag: py3-none-any\\n")
    record = []
    for path, text in files.items():
        data = text.encode()
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest())
        record.append(f"{path},sha256={digest.rstrip(b'=').decode()},{len(data)}")
    files[dist + "/RECORD"] = "\\n".join(record + [dist + "/RECORD,,"]) + "\\n"
    wheel = f"{name}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(os.path.join(folder, wheel), "w") as z:
        for path, text in files.items():
            z.writestr(path, text)
    return wheel


def build_editable(wheel_directory, config_settings=None, metadata_directory=None):
    here = os.path.dirname(os.path.abspath(__file__))
    return make_wheel(wheel_directory, "fakebranch", "1.0",
                      {"fakebranch.pth": here + "\\n"})


build_wheel = build_editable
"""


class VenvTests(unittest.TestCase):
    """
    build/venv, made by whichever command runs first, is completed by the
    step the test command runs before the tests. Stand-ins: a folder for
    build/django with an in-tree backend, a required and an optional
    (pylibmc's place) requirement as local wheels, and a header file for
    libmemcached-dev's.
    """

    def setUp(self):
        self.root = Path(tempfile.mkdtemp(prefix="venv-test-"))
        self.addCleanup(shutil.rmtree, self.root, True)
        branch = self.root / "django"
        (branch / ".git").mkdir(parents=True)
        (branch / "fake_backend.py").write_text(FAKE_BACKEND)
        (branch / "fakebranch.py").write_text("")
        (branch / "pyproject.toml").write_text(
            '[build-system]\nrequires = []\nbuild-backend = "fake_backend"\n'
            'backend-path = ["."]\n\n[project]\nname = "fakebranch"\nversion = "1.0"\n'
        )
        wheels = self.root / "wheels"
        wheels.mkdir()
        backend = {}
        exec(FAKE_BACKEND, backend)
        for name in ("asynccache_fake_required", "asynccache_fake_optional"):
            backend["make_wheel"](wheels, name, "1.0", {f"{name}.py": ""})
        (self.root / "requirements.txt").write_text(
            "# the test requirements\nasynccache-fake-required==1.0\n")
        (self.root / "requirements-optional.txt").write_text(
            "# built against libmemcached-dev\nasynccache-fake-optional==1.0\n")
        self.header = self.root / "include" / "libmemcached" / "memcached.h"
        self.venv = self.root / "venv"
        for name, value in [
            ("VENV", self.venv), ("BRANCH", branch),
            ("REQUIREMENTS", self.root / "requirements.txt"),
            ("OPTIONAL_REQUIREMENTS", self.root / "requirements-optional.txt"),
        ]:
            patcher = mock.patch.object(commands, name, value)
            patcher.start()
            self.addCleanup(patcher.stop)
        for patcher in [
            mock.patch.dict(commands.TEST_PACKAGES,
                            {"libmemcached-dev": [str(self.header)]}, clear=True),
            mock.patch.dict(os.environ, {"PIP_NO_INDEX": "1", "PIP_FIND_LINKS": str(wheels)}),
        ]:
            patcher.start()
            self.addCleanup(patcher.stop)

    def call(self, function):
        """function(), its stderr, and the pip commands it ran."""
        err = io.StringIO()
        with mock.patch.object(commands, "run", wraps=commands.run) as spy, \
                contextlib.redirect_stderr(err):
            result = function()
        pips = [c.args[0] for c in spy.call_args_list if "pip" in map(str, c.args[0])]
        return result, err.getvalue(), pips

    def importable(self, module):
        return subprocess.run(
            [str(self.venv / "bin" / "python"), "-c", f"import {module}"],
            capture_output=True,
        ).returncode == 0

    def test_venv_made_without_optional_requirement_is_completed(self):
        # `demo` first, before libmemcached-dev is installed: no pylibmc.
        python, _, _ = self.call(commands.ensure_venv)
        self.assertEqual(python, self.venv / "bin" / "python")
        self.assertTrue(self.importable("fakebranch"))
        self.assertTrue(self.importable("asynccache_fake_required"))
        self.assertFalse(self.importable("asynccache_fake_optional"))
        # Then `test`: its packages step installs libmemcached-dev, and the
        # venv gets what it lacks.
        self.header.parent.mkdir(parents=True)
        self.header.write_text("")
        _, err, pips = self.call(commands.prepare_test_environment)
        self.assertTrue(self.importable("asynccache_fake_optional"), err)
        self.assertIn("lacks asynccache-fake-optional==1.0", err)
        self.assertEqual(len(pips), 1, pips)
        # Complete: nothing more to do, pip does not run.
        _, err, pips = self.call(commands.prepare_test_environment)
        self.assertEqual((err, pips), ("", []))
        # A requirement removed behind the tooling's back comes back.
        subprocess.run([str(self.venv / "bin" / "python"), "-m", "pip", "uninstall",
                        "-q", "-y", "asynccache-fake-required"], check=True)
        _, err, pips = self.call(commands.ensure_venv)
        self.assertTrue(self.importable("asynccache_fake_required"), err)
        self.assertIn("lacks asynccache-fake-required==1.0", err)


if __name__ == "__main__":
    unittest.main()

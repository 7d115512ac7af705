"""Tests of the patch-set tooling itself (run by `./scripts/branch test`)."""

import contextlib
import io
import os
import re
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
from tooling import env as tooling_env  # noqa: E402
from tooling import servers as tooling_servers  # noqa: E402
from tooling import suites, topics  # noqa: E402

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
        base_env = {k: v for k, v in os.environ.items() if k != "BRANCH_BUILD_DIR"}
        return subprocess.run(
            [str(self.root / "scripts" / "branch"), *args],
            cwd=self.root, capture_output=True, text=True,
            env={**base_env, "BRANCH_SDIST_CACHE": str(self.cache), **(env or {})},
        )

    def use_topics(self):
        """Rewrite the copied series in three topics: 1 patch, 2, the rest."""
        names = branchlib.series(self.root)
        (self.root / "patches" / "series").write_text(
            "# topic alpha -- The first patch\n" + names[0] + "\n"
            "# topic beta -- Two more [depends on: alpha]\n"
            + "".join(n + "\n" for n in names[1:3])
            + "# topic gamma -- The rest [depends on: alpha, beta]\n"
            + "".join(n + "\n" for n in names[3:])
        )
        return names

    def use_legacy_format(self):
        names = branchlib.series(self.root)
        (self.root / "patches" / "series").write_text(
            "# Applied in order to the release pinned in BASE.\n"
            + "".join(n + "\n" for n in names))
        return names

    def tags(self):
        return dict(
            line.split(" ", 1)[::-1] for line in self.git(
                "for-each-ref", "--format=%(objectname) %(refname:short)",
                "refs/tags/topic/").splitlines()
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
        names = self.use_topics()
        before = self.snapshot(self.root / "patches")
        self.assertOK(self.branch("build"))
        n = len(branchlib.series(self.root))
        self.assertEqual(self.git("rev-list", "--count", "upstream..HEAD").strip(), str(n))
        # Each topic is tagged at its last commit.
        commits = self.git("rev-list", "--reverse", "upstream..HEAD").split()
        self.assertEqual(self.tags(), {
            "topic/alpha": commits[0], "topic/beta": commits[2], "topic/gamma": commits[-1],
        })
        self.assertEqual(len(names), len(commits))
        self.assertOK(self.branch("export"))
        self.assertEqual(self.snapshot(self.root / "patches"), before)
        # Building again is a no-op.
        proc = self.branch("build")
        self.assertOK(proc)
        self.assertIn("up to date", proc.stdout)

    def test_new_commit_round_trip(self):
        self.use_topics()
        self.assertOK(self.branch("build"))
        target = self.root / "build" / "django" / "AUTHORS"
        target.write_text(target.read_text() + "A. Tester\n")
        self.git("commit", "-qam", "Added a tester to AUTHORS.")
        self.assertOK(self.branch("export"))
        names = branchlib.series(self.root)
        self.assertTrue(names[-1].endswith("-Added-a-tester-to-AUTHORS.patch"), names)
        # A new commit joins the topic of the commit before it; the tag follows.
        _, parsed = topics.read_series(self.root / "patches" / "series", self.root / "patches")
        self.assertEqual([t.slug for t in parsed], ["alpha", "beta", "gamma"])
        self.assertEqual(parsed[-1].patches[-1], names[-1])
        self.assertEqual(parsed[-1].depends, ["alpha", "beta"])
        self.assertEqual(self.tags()["topic/gamma"], self.git("rev-parse", "HEAD").strip())
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
        # The series format before topics is still read (and written back).
        self.use_legacy_format()
        self.assertOK(self.branch("build"))
        self.assertEqual(self.tags(), {})
        readme = self.root / "build" / "django" / "README.rst"
        readme.write_text(readme.read_text() + "\nLocal edit.\n")
        self.assertFails(self.branch("build"), "Uncommitted changes", "README.rst")
        self.git("commit", "-qam", "Edited the README.")
        self.assertFails(self.branch("build"), "not exported", "Edited the README.")
        self.assertIn("Local edit.", readme.read_text())
        proc = self.branch("export")
        self.assertOK(proc)
        self.assertIn("has no topics", proc.stdout)
        self.assertIn("up to date", self.branch("build").stdout)
        # --force discards what was not exported.
        readme.write_text("gone\n")
        self.assertOK(self.branch("build", "--force"))
        self.assertIn("Local edit.", readme.read_text())

    def test_export_with_topics_file_and_pr(self):
        names = self.use_topics()
        self.assertOK(self.branch("build"))
        proc = self.branch("topics")
        self.assertOK(proc)
        self.assertIn("beta -- Two more [depends on: alpha]\n    last: ", proc.stdout)
        # A rewritten history regrouped: two topics, cut after the third commit.
        subjects = [topics.patch_subject(self.root / "patches" / n) for n in names]
        topics_file = self.root / "topics.txt"
        topics_file.write_text(
            "# comment\nfirst -- First three\n    last: " + subjects[2] + "\n\n"
            "second -- The others [depends on: first]\n    last: " + subjects[-1] + "\n")
        self.assertOK(self.branch("export", "--topics", str(topics_file)))
        text = (self.root / "patches" / "series").read_text()
        self.assertEqual([x for x in text.splitlines() if x.startswith("#")], [
            "# topic first -- First three",
            "# topic second -- The others [depends on: first]"])
        self.assertTrue(text.startswith("# topic first -- First three\n"), text)
        self.assertEqual(sorted(self.tags()), ["topic/first", "topic/second"])
        # A topics file whose cut points are not in the branch is refused.
        topics_file.write_text("x -- X\n    last: No such commit.\n")
        self.assertFails(self.branch("export", "--topics", str(topics_file)),
                         "no commit has the subject")
        # pr: the description, the commits and the diffstat of a topic.
        (self.root / "pr").mkdir()
        (self.root / "pr" / "second.md").write_text("# Second\n\n## What\n\nThings.\n")
        proc = self.branch("pr", "second", "--branch", "pr-second")
        self.assertOK(proc)
        out = proc.stdout
        self.assertTrue(out.startswith("# The others\n\n## What\n\nThings.\n"), out)
        self.assertIn("## Depends on\n\n- first: First three\n", out)
        self.assertIn(f"## Commits ({len(names) - 3})", out)
        self.assertIn("| total |", out)
        self.assertEqual(self.git("rev-parse", "pr-second").strip(),
                         self.git("rev-parse", "HEAD").strip())
        self.assertFails(self.branch("pr", "nope"), "No topic 'nope'")


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
            picked = tooling_servers.pick_port(port)
            self.assertNotEqual(picked, port)
            self.assertTrue(tooling_servers.port_is_free(picked))

    def test_servers_start_on_free_ports_and_stop(self):
        with socket.socket() as busy:
            try:
                busy.bind(("127.0.0.1", 21211))
                busy.listen()
            except OSError:
                pass  # Already busy: just as good.
            workdir = tempfile.mkdtemp(prefix="servers-test-")
            with tooling_servers.Servers(memcached=1, redis=True, pylibmc=False,
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
            patcher = mock.patch.object(tooling_env, name, value)
            patcher.start()
            self.addCleanup(patcher.stop)
        for patcher in [
            mock.patch.dict(tooling_env.TEST_PACKAGES,
                            {"libmemcached-dev": [str(self.header)]}, clear=True),
            mock.patch.dict(os.environ, {"PIP_NO_INDEX": "1", "PIP_FIND_LINKS": str(wheels)}),
        ]:
            patcher.start()
            self.addCleanup(patcher.stop)

    def call(self, function):
        """function(), its stderr, and the pip commands it ran."""
        err = io.StringIO()
        with mock.patch.object(tooling_env, "run", wraps=tooling_env.run) as spy, \
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
        python, _, _ = self.call(tooling_env.ensure_venv)
        self.assertEqual(python, self.venv / "bin" / "python")
        self.assertTrue(self.importable("fakebranch"))
        self.assertTrue(self.importable("asynccache_fake_required"))
        self.assertFalse(self.importable("asynccache_fake_optional"))
        # Then `test`: its packages step installs libmemcached-dev, and the
        # venv gets what it lacks.
        self.header.parent.mkdir(parents=True)
        self.header.write_text("")
        _, err, pips = self.call(tooling_env.prepare_test_environment)
        self.assertTrue(self.importable("asynccache_fake_optional"), err)
        self.assertIn("lacks asynccache-fake-optional==1.0", err)
        self.assertEqual(len(pips), 1, pips)
        # Complete: nothing more to do, pip does not run.
        _, err, pips = self.call(tooling_env.prepare_test_environment)
        self.assertEqual((err, pips), ("", []))
        # A requirement removed behind the tooling's back comes back.
        subprocess.run([str(self.venv / "bin" / "python"), "-m", "pip", "uninstall",
                        "-q", "-y", "asynccache-fake-required"], check=True)
        _, err, pips = self.call(tooling_env.ensure_venv)
        self.assertTrue(self.importable("asynccache_fake_required"), err)
        self.assertIn("lacks asynccache-fake-required==1.0", err)


class SeriesFormatTests(unittest.TestCase):
    def test_topics(self):
        names, parsed = topics.parse_series(
            "# topic a -- First\n1.patch\n2.patch\n"
            "# topic b-2 -- Second, with -- dashes [depends on: a]\n3.patch\n"
            "# topic c -- Third [depends on: a, b-2]\n4.patch\n"
        )
        self.assertEqual(names, ["1.patch", "2.patch", "3.patch", "4.patch"])
        self.assertEqual(
            [(t.slug, t.title, t.depends, t.patches) for t in parsed],
            [("a", "First", [], ["1.patch", "2.patch"]),
             ("b-2", "Second, with -- dashes", ["a"], ["3.patch"]),
             ("c", "Third", ["a", "b-2"], ["4.patch"])],
        )
        self.assertEqual(topics.format_series(names, parsed),
                         "# topic a -- First\n1.patch\n2.patch\n"
                         "# topic b-2 -- Second, with -- dashes [depends on: a]\n3.patch\n"
                         "# topic c -- Third [depends on: a, b-2]\n4.patch\n")

    def test_old_format(self):
        self.assertEqual(topics.parse_series("# A comment.\n1.patch\n\n2.patch\n"),
                         (["1.patch", "2.patch"], []))

    def test_errors(self):
        for text, message in [
            ("# topic a -- A\n1.patch\n# A comment.\n", "not a topic header"),
            ("1.patch\n# topic a -- A\n2.patch\n", "before the first topic header"),
            ("# topic a -- A [depends on: b]\n1.patch\n# topic b -- B\n2.patch\n",
             "depends on b, which is not a topic before it"),
            ("# topic a -- A\n1.patch\n# topic a -- A\n2.patch\n", "appears twice"),
            ("# topic a -- A\n# topic b -- B\n2.patch\n", "topic a has no patches"),
            ("# topic A -- A\n1.patch\n", "not a topic header"),
        ]:
            with self.subTest(text=text), self.assertRaisesRegex(branchlib.Failure, message):
                topics.parse_series(text)

    def test_assign_topics(self):
        old = topics.parse_series("# topic a -- A\n0001-x.patch\n0002-y.patch\n"
                                  "# topic b -- B [depends on: a]\n0003-z.patch\n")[1]
        subjects = {"0001-x.patch": "X", "0002-y.patch": "Y", "0003-z.patch": "Z"}
        # Renumbered, a commit dropped, a new one after "Y", a subject reworded
        # (its file name unchanged).
        new = ["0001-y.patch", "0002-new.patch", "0003-z.patch"]
        new_subjects = {"0001-y.patch": "Y", "0002-new.patch": "New",
                        "0003-z.patch": "Z, reworded"}
        got, notes = topics.assign_topics(new, new_subjects, list(subjects), old, subjects)
        self.assertEqual([(t.slug, t.patches) for t in got],
                         [("a", ["0001-y.patch", "0002-new.patch"]), ("b", ["0003-z.patch"])])
        self.assertIn("0002-new.patch: new, put in topic a (the commit before it)", notes)
        # A topic split by a reordering cannot be kept.
        with self.assertRaisesRegex(branchlib.Failure, "export --topics FILE"):
            topics.assign_topics(["1-x.patch", "2-z.patch", "3-y.patch"],
                                 {"1-x.patch": "X", "2-z.patch": "Z", "3-y.patch": "Y"},
                                 list(subjects), old, subjects)

    def test_topics_file(self):
        parsed = topics.parse_topics_file(
            "# comment\na -- A\n    last: Y\n\nb -- B [depends on: a]\n  last: Z\n", "f")
        got = topics.topics_from_file(["1", "2", "3"], {"1": "X", "2": "Y", "3": "Z"},
                                      parsed, "f")
        self.assertEqual([(t.slug, t.depends, t.patches) for t in got],
                         [("a", [], ["1", "2"]), ("b", ["a"], ["3"])])
        with self.assertRaisesRegex(branchlib.Failure, "belong to no topic: 3"):
            topics.topics_from_file(["1", "2", "3"], {"1": "X", "2": "Y", "3": "Z"},
                                    parsed[:1], "f")
        with self.assertRaisesRegex(branchlib.Failure, "has no `last: <subject>` line"):
            topics.parse_topics_file("a -- A\n", "f")


class SuitesTests(unittest.TestCase):
    def test_labels(self):
        tests_dir = Path(tempfile.mkdtemp(prefix="suites-test-"))
        self.addCleanup(shutil.rmtree, tests_dir, True)
        for name in ("cache", "sessions_tests", "utils_tests", "dispatch", "signals",
                     "middleware", "backends", "async"):
            (tests_dir / name).mkdir()
        labels, unmapped = suites.labels_for([
            "django/core/cache/backends/redis.py",
            "tests/cache/test_async_api.py",
            "django/contrib/sessions/backends/file.py",
            "django/utils/asyncio.py",
            "tests/utils_tests/test_auto_async.py",
            "django/dispatch/dispatcher.py",
            "django/middleware/common.py",
            "docs/topics/cache.txt",
            "django/forms/fields.py",
            "tests/runtests.py",
        ], tests_dir)
        self.assertEqual(labels, ["cache", "sessions_tests", "async", "utils_tests",
                                  "dispatch", "signals", "middleware"])
        self.assertEqual(unmapped, ["django/forms/fields.py", "tests/runtests.py"])


class LayeringTests(unittest.TestCase):
    """The tooling's modules import each other in one direction only."""

    def test_one_direction(self):
        import ast

        import tooling

        order = re.findall(r"^    (\w+) ", tooling.__doc__, re.M)
        folder = ROOT / "scripts" / "tooling"
        modules = sorted(p.stem for p in folder.glob("*.py")
                         if p.stem not in ("__init__", "__main__"))
        self.assertEqual(sorted(order), modules)
        for position, name in enumerate(order):
            tree = ast.parse((folder / f"{name}.py").read_text())
            for node in ast.walk(tree):
                if isinstance(node, ast.ImportFrom) and node.level:
                    imported = (node.module or "").split(".")[0]
                    with self.subTest(module=name, imports=imported):
                        self.assertIn(imported, order[:position],
                                      f"tooling.{name} imports tooling.{imported}")
                elif isinstance(node, (ast.Import, ast.ImportFrom)):
                    names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                             else [node.module or ""])
                    for imported in names:
                        self.assertNotIn(imported.split(".")[0], ("commands", "branchtool"))


if __name__ == "__main__":
    unittest.main()

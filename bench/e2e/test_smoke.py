"""
Smoke test of the e2e project under each ASGI server (and once under
gunicorn, over WSGI): the cached page is served twice and the second response
comes from the cache; the floor page is rendered twice.

    E2E_BRANCH=build/django python -m unittest bench/e2e/test_smoke.py
"""

import os
import subprocess
import sys
import unittest
from pathlib import Path

BENCH = Path(__file__).resolve().parent.parent
BRANCH = os.environ.get("E2E_BRANCH", str(BENCH.parent / "build" / "django"))


class SmokeTests(unittest.TestCase):
    def smoke(self, server):
        proc = subprocess.run(
            [sys.executable, str(BENCH / "e2e_load.py"), "--smoke"]
            + ["--server", server, "--branch", BRANCH],
            capture_output=True,
            text=True,
            timeout=300,
        )
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
        # Two backends, three cached modes, the floor once; with uvicorn, the
        # WSGI path once (gunicorn).
        expected = 8 if server == "uvicorn" else 7
        self.assertEqual(proc.stdout.count(": ok"), expected, proc.stdout)

    def test_uvicorn(self):
        self.smoke("uvicorn")

    def test_hypercorn(self):
        self.smoke("hypercorn")

    def test_daphne(self):
        self.smoke("daphne")


if __name__ == "__main__":
    unittest.main()

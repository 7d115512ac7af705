"""Django's tests/runtests.py without some tests, named by id.

    cd <django>/tests && python scripts/runtests-excluding.py \
        [--check-found] --exclude app.module.Class.test_name ... -- [runtests.py arguments]

runtests.py can select tests (labels, -k, --tag) but not leave out single
ones: this runs it unchanged, with DiscoverRunner.load_tests_for_label
dropping the excluded ids from what each label loads (before the suite is
split among parallel processes). It says which it left out, and fails when
one of them was not found (renamed or gone: the list needs updating) with
--check-found (for runs of the whole suite).
"""

import argparse
import os
import runpy
import sys
import unittest

parser = argparse.ArgumentParser()
parser.add_argument("--exclude", action="append", default=[], metavar="TEST_ID")
parser.add_argument("--check-found", action="store_true",
                    help="fail when an excluded test was not found")
args = parser.parse_args(sys.argv[1:sys.argv.index("--")] if "--" in sys.argv else sys.argv[1:])
runtests_args = sys.argv[sys.argv.index("--") + 1:] if "--" in sys.argv else []
excluded, dropped = set(args.exclude), set()

tests_dir = os.getcwd()
sys.path[0] = tests_dir  # as when runtests.py runs as a script

from django.test.runner import DiscoverRunner  # noqa: E402
from django.test.utils import iter_test_cases  # noqa: E402

load_tests_for_label = DiscoverRunner.load_tests_for_label


def load_without_excluded(self, label, discover_kwargs):
    tests = load_tests_for_label(self, label, discover_kwargs)
    kept = []
    for test in iter_test_cases(tests):
        if test.id() in excluded:
            dropped.add(test.id())
        else:
            kept.append(test)
    return unittest.TestSuite(kept)


DiscoverRunner.load_tests_for_label = load_without_excluded
sys.argv = [os.path.join(tests_dir, "runtests.py"), *runtests_args]
try:
    runpy.run_path(sys.argv[0], run_name="__main__")
    status = 0
except SystemExit as exc:
    status = exc.code
finally:
    if excluded:
        print(f"runtests-excluding: left out {len(dropped)} tests: "
              + ", ".join(sorted(dropped)), flush=True)
    if args.check_found and excluded - dropped:
        print("runtests-excluding: not found (update the list): "
              + ", ".join(sorted(excluded - dropped)), flush=True)
        status = status or 1
sys.exit(status)

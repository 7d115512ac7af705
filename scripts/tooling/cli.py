"""The command line: ./scripts/branch COMMAND (see --help)."""

import argparse
import sys

from .benchdemo import BENCHMARKS, cmd_bench, cmd_demo
from .checkseries import cmd_check_series
from .env import cmd_python
from .paths import Failure
from .pr import cmd_pr
from .series import cmd_build, cmd_export, cmd_topics
from .testing import cmd_test


def parser():
    parser = argparse.ArgumentParser(
        prog="scripts/branch",
        description="Build, export, test and demo the Django async cache patch set. "
                    "BRANCH_BUILD_DIR=DIR puts what build/ holds (branch, venv, logs) "
                    "in DIR instead.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("build", help="materialize build/django from BASE + patches/")
    p.add_argument("--force", action="store_true",
                   help="discard unexported work in build/django")
    p.set_defaults(func=cmd_build)
    p = sub.add_parser("export", help="write the branch's commits to patches/")
    p.add_argument("--topics", metavar="FILE",
                   help="the topics of the commits (format: what `topics` prints); "
                        "default: each commit keeps its topic in patches/series")
    p.set_defaults(func=cmd_export)
    p = sub.add_parser("topics", help="print the series' topics in the format of "
                                      "export --topics FILE")
    p.set_defaults(func=cmd_topics)
    p = sub.add_parser("python", help="print the branch venv's interpreter")
    p.set_defaults(func=cmd_python)
    p = sub.add_parser("test", help="build, start servers, run tests and lint")
    p.add_argument("--no-lint", action="store_true",
                   help="skip black/isort/flake8/docs (and check-series --lint-only)")
    p.add_argument("--no-whole-suite", action="store_true",
                   help="skip Django's whole test suite with its default settings")
    p.add_argument("--no-install-check", action="store_true",
                   help="skip the pip install check")
    p.add_argument("--no-tooling-tests", action="store_true",
                   help="skip the tooling's own tests")
    p.add_argument("runtests_args", nargs=argparse.REMAINDER,
                   help="passed to tests/runtests.py (default: the touched suites)")
    p.set_defaults(func=cmd_test)
    p = sub.add_parser("check-series",
                       help="lint every commit of the series, test the suites each "
                            "topic touches at its last commit")
    p.add_argument("--lint-only", action="store_true", help="no tests, lint only")
    p.add_argument("--from", dest="from_topic", metavar="TOPIC",
                   help="start at this topic's first commit")
    p.set_defaults(func=cmd_check_series)
    p = sub.add_parser("pr", help="print a topic's pull request description")
    p.add_argument("topic", metavar="TOPIC", help="a topic's slug (see patches/series)")
    p.add_argument("--branch", metavar="NAME",
                   help="also make a branch NAME in build/django ending at the "
                        "topic's last commit (tag topic/TOPIC), to push as a stacked PR")
    p.set_defaults(func=cmd_pr)
    p = sub.add_parser("demo", help="run the demo (locmem by default)")
    p.add_argument("--memcached", metavar="HOST:PORT")
    p.add_argument("--redis", metavar="URL")
    p.add_argument("--serve", metavar="PORT", type=int, nargs="?", const=8000,
                   help="serve the end-to-end project (bench/e2e) with uvicorn "
                        "on 127.0.0.1:PORT (default 8000) instead")
    p.add_argument("--backend", default="memcached", choices=["memcached", "redis"],
                   help="with --serve: the cache backend (default memcached)")
    p.set_defaults(func=cmd_demo)
    p = sub.add_parser("bench", help="run the benchmarks under bench/")
    p.add_argument("which", nargs="?", default="cache",
                   choices=[*BENCHMARKS, "all"],
                   help="; ".join(
                       [f"{name}: {text}" for name, (text, _) in BENCHMARKS.items()]
                       + ["all: all of them"]
                   ))
    p.add_argument("bench_args", nargs=argparse.REMAINDER)
    p.set_defaults(func=cmd_bench)
    return parser


def main(argv=None):
    args = parser().parse_args(argv)
    try:
        return args.func(args) or 0
    except Failure as exc:
        print(f"scripts/branch {args.command}: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"scripts/branch {args.command}: interrupted", file=sys.stderr)
        return 130

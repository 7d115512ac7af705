"""check-series: Django's lint on every commit of the series, and at the end
of every topic the test suites the topic touches (with live servers)."""

import shutil
import time

from .env import ensure_packages, ensure_venv
from .lint import lint_files
from .paths import BRANCH, RUN, Failure, git, rel, say
from .results import SERIAL_SUITES, SETTINGS_ARGS, Tally, runtests, settings_env
from .series import branch_commits, cmd_build
from .servers import Servers, terminate_as_interrupt
from .suites import labels_for
from .topics import Topic, read_series

WORKTREE = RUN / "check-series"


def add_worktree(path):
    remove_worktree(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    git("worktree", "add", "--detach", "--force", path, "upstream")


def remove_worktree(path):
    if path.exists():
        git("worktree", "remove", "--force", path, check=False)
        shutil.rmtree(path, ignore_errors=True)
    git("worktree", "prune", check=False)


def changed_files(a, b, cwd):
    """Files that exist in b and differ from a."""
    out = git("diff", "--name-only", "--diff-filter=d", "--no-renames", a, b, cwd=cwd)
    return out.splitlines() if out else []


def topic_tests(python, tree, topic, start, end, servers):
    """The suites that topic touches, on tree at its last commit. (ok, text)."""
    files = changed_files(start, end, tree)
    labels, unmapped = labels_for(files, tree / "tests")
    if unmapped:
        say(f"   no test suite known for: {', '.join(unmapped)}")
    if not labels:
        return True, "no suites"
    tally = Tally()
    env = settings_env(servers, tree=tree)
    serial = [x for x in labels if x.split(".")[0] in SERIAL_SUITES]
    parallel = [x for x in labels if x not in serial]
    for group, extra in ((serial, ["--parallel", "1"]), (parallel, [])):
        if group:
            name = f"check-series-{topic.slug}" + ("-serial" if extra else "")
            runtests(python, [*SETTINGS_ARGS, *extra, *group], env, name, tally,
                     " ".join(group), tree=tree)
    return not tally.failed, " ".join(labels)


def check_series(python, lint_only=False, from_topic=None):
    """Lint every commit (and test every topic); prints a table. Returns ok."""
    names, topics = read_series()
    commits = branch_commits()
    if len(commits) != len(names):
        raise Failure(f"{rel(BRANCH)} has {len(commits)} commits, patches/series "
                      f"{len(names)}: run `./scripts/branch build`.")
    if not topics:
        # The series format without topics: the whole series is one topic.
        topics = [Topic("series", "the series", [], list(names))]
    last_of = {t.patches[-1]: t for t in topics}
    first = 0
    if from_topic:
        slugs = [t.slug for t in topics]
        if from_topic not in slugs:
            raise Failure(f"No topic {from_topic!r} in patches/series: {', '.join(slugs)}")
        first = names.index(topics[slugs.index(from_topic)].patches[0])
    topic_start = "upstream" if first == 0 else commits[first - 1]
    rows, lint_seconds, failures = [], [], []
    add_worktree(WORKTREE)
    servers = None
    started = time.monotonic()
    try:
        if not lint_only:
            servers = Servers(memcached=3).__enter__()
        for i in range(first, len(names)):
            commit = commits[i]
            git("checkout", "-q", "--detach", "--force", commit, cwd=WORKTREE)
            summary = git("log", "-1", "--format=%s", commit)
            files = changed_files(f"{commit}^", commit, WORKTREE)
            ok, out, seconds = lint_files(python, WORKTREE, files)
            lint_seconds.append(seconds)
            tests = ""
            if not ok:
                failures.append(f"{commit[:12]} {summary}: lint\n{out}")
            topic = last_of.get(names[i])
            say(f"[{i + 1}/{len(names)}] {commit[:12]} lint {'ok' if ok else 'FAIL'} "
                f"({seconds:.1f}s, {len(files)} files) {summary}")
            if topic is not None:
                if not lint_only:
                    say(f"   end of topic {topic.slug}: its tests")
                    tests_ok, labels = topic_tests(python, WORKTREE, topic,
                                                   topic_start, commit, servers)
                    tests = "ok" if tests_ok else "FAIL"
                    if not tests_ok:
                        failures.append(f"{commit[:12]} topic {topic.slug}: tests {labels} "
                                        "(logs: build/run/check-series-*.log)")
                topic_start = commit
            rows.append((i + 1, commit[:12], summary, topic.slug if topic else "",
                         "ok" if ok else "FAIL", tests))
    finally:
        if servers is not None:
            servers.__exit__(None, None, None)
        remove_worktree(WORKTREE)
    say("")
    say(f"{'#':>3}  {'commit':12}  {'lint':4}  {'tests':5}  {'end of topic':16}  summary")
    for n, commit, summary, slug, lint, tests in rows:
        say(f"{n:3}  {commit:12}  {lint:4}  {tests or '-':5}  {slug or '':16}  {summary}")
    total = sum(lint_seconds)
    say(f"\ncheck-series: {len(rows)} commits, lint {total:.0f}s "
        f"({total / max(len(rows), 1):.1f}s per commit), "
        f"{time.monotonic() - started:.0f}s in all; {len(failures)} failures.")
    for failure in failures:
        say("FAILED: " + failure)
    return not failures


def cmd_check_series(args):
    cmd_build(None)
    if not args.lint_only:
        ensure_packages()
    python = ensure_venv()
    with terminate_as_interrupt():
        return 0 if check_series(python, args.lint_only, args.from_topic) else 1

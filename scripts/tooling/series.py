"""build and export: the materialized branch (build/django) and patches/."""

import os
import shutil
import subprocess

from branchlib import fetch_sdist, local_version, read_base, unpack_sdist

from .paths import BRANCH, BUILD, CACHE, PATCHES, ROOT, SERIES_FILE, Failure, git, rel, say
from .topics import (
    assign_topics,
    format_series,
    format_topics_file,
    parse_topics_file,
    patch_subject,
    read_series,
    topics_from_file,
)

# Fixed identity and dates: the same series always gives the same commits.
IDENTITY = {
    "GIT_AUTHOR_NAME": "Django Software Foundation",
    "GIT_AUTHOR_EMAIL": "foundation@djangoproject.com",
    "GIT_COMMITTER_NAME": "Django async cache patch set",
    "GIT_COMMITTER_EMAIL": "asynccache@localhost",
    "GIT_AUTHOR_DATE": "2000-01-01T00:00:00+00:00",
    "GIT_COMMITTER_DATE": "2000-01-01T00:00:00+00:00",
}
EXCLUDES = """\
# Build products in the branch, never part of a commit.
*.egg-info/
__pycache__/
*.py[co]
/build/
/dist/
/docs/_build/
/tests/.coverage*
/tests/coverage_html/
/.tox/
"""
TOPIC_TAG = "topic/"


def patch_id(text):
    proc = subprocess.run(
        ["git", "patch-id", "--stable"], input=text, capture_output=True,
        text=True, check=True,
    )
    return proc.stdout.split()[0] if proc.stdout.strip() else None


def series_names():
    return read_series()[0]


def series_patch_ids():
    return [patch_id((PATCHES / n).read_text()) for n in series_names()]


def branch_commits(branch=None):
    out = git("rev-list", "--reverse", "upstream..HEAD", cwd=branch)
    return out.split() if out else []


def commit_patch_id(commit):
    return patch_id(git("show", "--format=", commit))


def branch_state():
    """Problems that forbid touching build/django, as a list of lines."""
    problems = []
    if (BRANCH / ".git" / "rebase-apply").exists():
        problems.append(
            "A patch application is in progress (a build stopped on a patch "
            "that does not apply). Finish it in build/django with "
            "`git am --continue` (after fixing and `git add`) or "
            "`git am --abort`, then export."
        )
        return problems
    dirty = git("status", "--porcelain")
    if dirty:
        problems.append(
            "Uncommitted changes in build/django (commit them there and run "
            "`./scripts/branch export`, or discard them):\n  "
            + "\n  ".join(dirty.splitlines()[:20])
        )
    have = set(series_patch_ids())
    for commit in branch_commits():
        if commit_patch_id(commit) not in have:
            problems.append(
                "Commit not exported to patches/: "
                + git("log", "-1", "--format=%h %s", commit)
            )
    return problems


def is_branch():
    return (BRANCH / ".git").is_dir() and bool(
        git("tag", "--list", "upstream", check=False)
    )


def branch_release():
    return git("config", "--get", "asynccache.release", check=False)


def create_branch(base):
    sdist = fetch_sdist(CACHE, base, log=say)
    say(f"Unpacking {sdist.name} into {rel(BRANCH)}...")
    BUILD.mkdir(parents=True, exist_ok=True)
    unpack_sdist(sdist, BRANCH)
    git("init", "-q", "-b", "main")
    (BRANCH / ".git" / "info").mkdir(exist_ok=True)
    (BRANCH / ".git" / "info" / "exclude").write_text(EXCLUDES)
    git("config", "user.name", IDENTITY["GIT_COMMITTER_NAME"])
    git("config", "user.email", IDENTITY["GIT_COMMITTER_EMAIL"])
    git("config", "core.autocrlf", "false")
    # No automatic gc in the background: it would race with removing or
    # rebuilding the branch (and with the tooling tests doing so).
    git("config", "gc.auto", "0")
    git("config", "asynccache.release", base["DJANGO_VERSION"])
    git("add", "-A", "-f", ".")
    git(
        "commit", "-q", "--no-verify", "-m",
        f"Django {base['DJANGO_VERSION']} release ({base['SDIST']}, sha256 "
        f"{base['SHA256']}).",
        env=IDENTITY,
    )
    git("tag", "upstream")


def apply_series(names):
    for i, name in enumerate(names, 1):
        proc = subprocess.run(
            ["git", "am", "--quiet", "--keep-cr", "--committer-date-is-author-date",
             str(PATCHES / name)],
            cwd=BRANCH, text=True, capture_output=True,
            env={**os.environ, **{k: v for k, v in IDENTITY.items()
                                  if k.startswith("GIT_COMMITTER_")
                                  and not k.endswith("DATE")}},
        )
        if proc.returncode:
            out = (proc.stdout + proc.stderr).strip()
            files = sorted({
                line.split(":")[1].strip()
                for line in out.splitlines()
                if line.startswith("error: patch failed:")
                or line.startswith("error: ") and ": does not exist in index" in line
            })
            raise Failure(
                f"Patch {i}/{len(names)} {name} does not apply"
                + (f" (failing file: {', '.join(files)})" if files else "")
                + ".\n" + out + "\n"
                f"The partial branch is left in {rel(BRANCH)} for inspection: fix "
                "the patch there and `git am --continue`, or `git am --abort`."
            )
    return len(names)


def sync_topic_tags(names, topics, branch=None):
    """Tags topic/<slug> at each topic's last commit; other topic/* tags go."""
    commits = branch_commits(branch)
    if len(commits) != len(names):
        raise Failure(f"The branch has {len(commits)} commits, the series "
                      f"{len(names)}: cannot tag its topics.")
    by_name = dict(zip(names, commits))
    wanted = {TOPIC_TAG + t.slug: by_name[t.patches[-1]] for t in topics}
    current = {}
    for line in git("for-each-ref", "--format=%(refname:short) %(objectname)",
                    f"refs/tags/{TOPIC_TAG}", cwd=branch).splitlines():
        tag, _, sha = line.partition(" ")
        current[tag] = sha
    for tag in current.keys() - wanted.keys():
        git("tag", "-d", tag, cwd=branch)
    for tag, sha in wanted.items():
        if current.get(tag) != sha:
            git("tag", "-f", tag, sha, cwd=branch)


def cmd_build(args):
    base = read_base()
    names, topics = read_series()
    if BRANCH.exists():
        if not is_branch():
            raise Failure(
                f"{rel(BRANCH)} exists but is not a branch made by this tool "
                "(no `upstream` tag). Move it away and run build again."
            )
        problems = branch_state()
        if problems and not getattr(args, "force", False):
            raise Failure(
                f"Refusing to rebuild {rel(BRANCH)}: it holds work that is not "
                "exported.\n" + "\n".join(problems) + "\n"
                "(`./scripts/branch build --force` discards it.)"
            )
        if problems:
            say("--force: discarding:\n" + "\n".join(problems))
            if (BRANCH / ".git" / "rebase-apply").exists():
                git("am", "--abort", check=False)
        if branch_release() != base["DJANGO_VERSION"]:
            say(f"BASE moved to Django {base['DJANGO_VERSION']}: recreating the branch.")
            shutil.rmtree(BRANCH)
            create_branch(base)
        else:
            wanted = series_patch_ids()
            current = [commit_patch_id(c) for c in branch_commits()]
            if current == wanted and not problems:
                sync_topic_tags(names, topics)
                say(f"{rel(BRANCH)} is up to date: Django {base['DJANGO_VERSION']} "
                    f"+ {len(wanted)} patches"
                    + (f" in {len(topics)} topics." if topics else "."))
                return 0
            git("reset", "-q", "--hard", "upstream")
            git("clean", "-q", "-fd")
    else:
        create_branch(base)
    n = apply_series(names)
    sync_topic_tags(names, topics)
    say(f"{rel(BRANCH)}: Django {base['DJANGO_VERSION']} + {n} patches applied"
        + (f" in {len(topics)} topics (tags topic/<slug>)" if topics else "")
        + f" (version {local_version()}).")
    return 0


def cmd_export(args):
    if not is_branch():
        raise Failure(f"There is no {rel(BRANCH)} to export: run `./scripts/branch build`.")
    if (BRANCH / ".git" / "rebase-apply").exists():
        raise Failure(f"A patch application is in progress in {rel(BRANCH)}: "
                      "finish it (`git am --continue`) or abort it first.")
    topics_file = getattr(args, "topics", None)
    file_topics = None
    if topics_file:
        file_topics = parse_topics_file(open(topics_file).read(), topics_file)
    old_names, old_topics = read_series()
    old_subjects = {n: patch_subject(PATCHES / n) for n in old_names}
    dirty = git("status", "--porcelain")
    commits = branch_commits()
    tmp = ROOT / "patches.new"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    try:
        names = []
        if commits:
            git("-c", "core.abbrev=12", "format-patch", "--quiet", "--zero-commit",
                "--no-signature", "--no-numbered", "--full-index",
                "-o", str(tmp), "upstream..HEAD")
            names = sorted(p.name for p in tmp.glob("*.patch"))
        subjects = {n: patch_subject(tmp / n) for n in names}
        notes = []
        if file_topics is not None:
            topics = topics_from_file(names, subjects, file_topics, topics_file)
        elif old_topics and names:
            topics, notes = assign_topics(names, subjects, old_names, old_topics,
                                          old_subjects)
        else:
            topics = []
            if names:
                notes.append(
                    "patches/series has no topics: written without them. Define "
                    "them with `./scripts/branch export --topics FILE`.")
        text = format_series(names, topics)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    PATCHES.mkdir(exist_ok=True)
    for old in PATCHES.glob("*.patch"):
        if old.name not in names:
            old.unlink()
    for name in names:
        os.replace(tmp / name, PATCHES / name)
    tmp.rmdir()
    SERIES_FILE.write_text(text)
    sync_topic_tags(names, topics)
    for note in notes:
        say(f"Note: {note}")
    say(f"Exported {len(names)} patches"
        + (f" in {len(topics)} topics" if topics else "")
        + f" to patches/ (version {local_version()}).")
    if dirty:
        say(f"Note: {rel(BRANCH)} has uncommitted changes, which were not exported:\n  "
            + "\n  ".join(dirty.splitlines()[:20]))
    return 0


def cmd_topics(args):
    """Print the series' topics in the format of export --topics FILE."""
    names, topics = read_series()
    if not topics:
        raise Failure("patches/series has no topics yet.")
    subjects = {n: patch_subject(PATCHES / n) for n in names}
    print(format_topics_file(topics, subjects), end="")
    return 0

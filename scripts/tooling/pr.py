"""pr: the pull request description of a topic, and stacked branches."""

import re

from .paths import BRANCH, PATCHES, PR_DIR, Failure, git, log, rel, say
from .series import TOPIC_TAG, is_branch
from .topics import patch_subject, read_series

PLACEHOLDER = """\
## What

## Why

## Figures

<!-- The figures that justify the change, and the command that measures them. -->

## Compatibility
"""


def kind(path):
    if path.startswith("docs/"):
        return "docs"
    if path.startswith("tests/"):
        return "tests"
    return "code"


def diffstat(start, end):
    """{kind: [files, added, deleted]} between two commits of the branch."""
    stat = {k: [0, 0, 0] for k in ("code", "tests", "docs")}
    for line in git("diff", "--numstat", "--no-renames", start, end).splitlines():
        added, deleted, path = line.split("\t", 2)
        row = stat[kind(path)]
        row[0] += 1
        row[1] += int(added) if added != "-" else 0
        row[2] += int(deleted) if deleted != "-" else 0
    return stat


def pr_text(slug):
    """(text, topic, previous topic or None)."""
    names, topics = read_series()
    slugs = [t.slug for t in topics]
    if slug not in slugs:
        raise Failure(f"No topic {slug!r} in patches/series"
                      + (f": {', '.join(slugs)}." if slugs else " (it has no topics)."))
    index = slugs.index(slug)
    topic, previous = topics[index], topics[index - 1] if index else None
    if not is_branch():
        raise Failure(f"There is no {rel(BRANCH)}: run `./scripts/branch build`.")
    end = tag_commit(slug)
    start = tag_commit(previous.slug) if previous else git("rev-parse", "upstream")
    path = PR_DIR / f"{slug}.md"
    if not path.exists():
        log(f"{rel(path)} does not exist: printing empty sections (write them there).")
    body = path.read_text() if path.exists() else PLACEHOLDER
    empty = re.findall(r"^## (.+)\n(?=\s*(?:## |\Z))", body, re.M)
    if empty and path.exists():
        log(f"{rel(path)}: still empty: {', '.join(empty)}.")
    # The file's own top heading, if any, gives way to the topic's title.
    body = re.sub(r"\A# .*\n+", "", body)
    out = [f"# {topic.title}", "", body.rstrip(), "", "## Depends on", ""]
    if topic.depends:
        by_slug = {t.slug: t for t in topics}
        out += [f"- {d}: {by_slug[d].title}" for d in topic.depends]
    else:
        out.append(f"Nothing but Django {git('config', '--get', 'asynccache.release')}.")
    if previous:
        out += ["", f"Stacked on the pull request of topic {previous.slug} "
                    f"(the topic before it in the series)."]
    commits = git("log", "--reverse", "--format=%h %s", f"{start}..{end}").splitlines()
    out += ["", f"## Commits ({len(commits)})", ""] + [f"- {c}" for c in commits]
    stat = diffstat(start, end)
    out += ["", "## Diffstat", "", "| | files | lines added | lines removed |",
            "| --- | ---: | ---: | ---: |"]
    for name, (files, added, deleted) in stat.items():
        out.append(f"| {name} | {files} | {added} | {deleted} |")
    total = [sum(row[i] for row in stat.values()) for i in range(3)]
    out.append(f"| total | {total[0]} | {total[1]} | {total[2]} |")
    if [patch_subject(PATCHES / n) for n in topic.patches] != [c.split(" ", 1)[1]
                                                               for c in commits]:
        out += ["", f"(Note: tag {TOPIC_TAG}{slug} does not match patches/series: "
                    "run `./scripts/branch build`.)"]
    return "\n".join(out) + "\n", topic, previous


def tag_commit(slug):
    sha = git("rev-parse", "--verify", "-q", f"refs/tags/{TOPIC_TAG}{slug}^{{commit}}",
              check=False)
    if not sha:
        raise Failure(f"{rel(BRANCH)} has no tag {TOPIC_TAG}{slug}: run "
                      "`./scripts/branch build` (it tags every topic).")
    return sha


def cmd_pr(args):
    text, topic, previous = pr_text(args.topic)
    print(text, end="")
    if args.branch:
        end = tag_commit(topic.slug)
        current = git("symbolic-ref", "-q", "--short", "HEAD", check=False)
        if current == args.branch:
            raise Failure(f"{args.branch} is the branch checked out in {rel(BRANCH)}: "
                          "choose another name.")
        git("branch", "-f", args.branch, end)
        say(f"\nBranch {args.branch} in {rel(BRANCH)} ends at {end[:12]} "
            f"({TOPIC_TAG}{topic.slug})"
            + (f", stacked on {TOPIC_TAG}{previous.slug}" if previous else "") + ".\n"
            f"Push it with: git -C {rel(BRANCH)} push <remote> {args.branch}")
    return 0

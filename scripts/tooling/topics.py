"""The patches/series format, with topics.

    # topic <slug> -- <title> [depends on: <slug>, <slug>]
    0001-First-patch-of-the-topic.patch
    0002-....patch
    # topic <slug> -- <title>
    ...

One header line per topic (the bracket part only when the topic depends on
others), followed by the topic's patch file names; no other `#` lines. The
format before topics (a plain comment line, then names) is still read: it
has no topics.

The topics file of `./scripts/branch export --topics FILE` (what
`./scripts/branch topics` prints) gives, for each topic, its header and the
subject of its last commit:

    <slug> -- <title> [depends on: <slug>, ...]
        last: <subject of the topic's last commit>
"""

import re
from dataclasses import dataclass, field

from .paths import PATCHES, SERIES_FILE, Failure

SLUG = r"[a-z0-9][a-z0-9-]*"
HEADER = re.compile(
    rf"^# topic (?P<slug>{SLUG}) -- (?P<title>.+?)"
    rf"(?: \[depends on: (?P<deps>{SLUG}(?:, {SLUG})*)\])?$"
)
TOPIC_LINE = re.compile(
    rf"^(?P<slug>{SLUG}) -- (?P<title>.+?)"
    rf"(?: \[depends on: (?P<deps>{SLUG}(?:, {SLUG})*)\])?$"
)


@dataclass
class Topic:
    slug: str
    title: str
    depends: list = field(default_factory=list)
    patches: list = field(default_factory=list)  # file names, in order
    last_subject: str = ""  # from a topics file

    def header(self):
        deps = f" [depends on: {', '.join(self.depends)}]" if self.depends else ""
        return f"# topic {self.slug} -- {self.title}{deps}"


def parse_series(text, where="patches/series"):
    """(names, topics) of a series file; topics is [] in the old format."""
    names, topics = [], []
    lines = [(n, line.strip()) for n, line in enumerate(text.splitlines(), 1)]
    topic_mode = any(line.startswith("# topic ") for _, line in lines)
    for n, line in lines:
        if not line:
            continue
        if line.startswith("#"):
            if not topic_mode:
                continue  # the old format: a comment
            match = HEADER.match(line)
            if not match:
                raise Failure(
                    f"{where}:{n}: not a topic header (`# topic <slug> -- <title> "
                    f"[depends on: <slug>, ...]`), and no other `#` lines are "
                    f"allowed: {line}"
                )
            topics.append(Topic(match["slug"], match["title"], split_deps(match["deps"])))
            continue
        if topic_mode and not topics:
            raise Failure(f"{where}:{n}: {line} comes before the first topic header.")
        names.append(line)
        if topics:
            topics[-1].patches.append(line)
    check_topics(topics, where)
    return names, topics


def split_deps(deps):
    return [d.strip() for d in deps.split(",")] if deps else []


def check_topics(topics, where, need_patches=True):
    seen = set()
    for topic in topics:
        if topic.slug in seen:
            raise Failure(f"{where}: topic {topic.slug} appears twice.")
        if need_patches and not topic.patches:
            raise Failure(f"{where}: topic {topic.slug} has no patches.")
        for dep in topic.depends:
            if dep not in seen:
                raise Failure(
                    f"{where}: topic {topic.slug} depends on {dep}, which is not "
                    "a topic before it."
                )
        seen.add(topic.slug)


def format_series(names, topics):
    """The text of a series file: topics and their names."""
    if not topics:
        return (
            "# Applied in order to the release pinned in BASE; written by "
            "`./scripts/branch export`.\n" + "".join(n + "\n" for n in names)
        )
    assert [n for t in topics for n in t.patches] == list(names)
    out = []
    for topic in topics:
        out.append(topic.header() + "\n")
        out.extend(n + "\n" for n in topic.patches)
    return "".join(out)


def read_series(path=SERIES_FILE, patches=PATCHES):
    """(names, topics) of patches/series, checking that every patch exists."""
    if not path.exists():
        return [], []
    names, topics = parse_series(path.read_text())
    for name in names:
        if not (patches / name).is_file():
            raise Failure(f"patches/series lists {name}, which does not exist.")
    return names, topics


def parse_topics_file(text, where):
    """The topics of a topics file (export --topics FILE), with last_subject."""
    topics = []
    for n, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("last:"):
            if not topics or topics[-1].last_subject:
                raise Failure(f"{where}:{n}: a `last:` line belongs under one topic line.")
            topics[-1].last_subject = line[len("last:"):].strip()
            continue
        match = TOPIC_LINE.match(line)
        if not match:
            raise Failure(
                f"{where}:{n}: expected `<slug> -- <title> [depends on: <slug>, ...]` "
                f"or `last: <subject>`, got: {line}"
            )
        topics.append(Topic(match["slug"], match["title"], split_deps(match["deps"])))
    for topic in topics:
        if not topic.last_subject:
            raise Failure(f"{where}: topic {topic.slug} has no `last: <subject>` line.")
    check_topics(topics, where, need_patches=False)
    return topics


def format_topics_file(topics, subjects):
    """A topics file for the given topics; subjects: patch name -> subject."""
    out = [
        "# Topics of the series, for `./scripts/branch export --topics FILE`: each\n"
        "# topic line, then the subject of the topic's last commit. Commits up to\n"
        "# and including that one (after the previous topic's) form the topic.\n"
    ]
    for topic in topics:
        out.append("\n" + topic.header()[len("# topic "):] + "\n")
        out.append(f"    last: {subjects[topic.patches[-1]]}\n")
    return "".join(out)


def patch_subject(path):
    """The subject of a `git format-patch` file (folded lines joined)."""
    lines = path.read_text(errors="replace").splitlines()
    for i, line in enumerate(lines):
        if line.startswith("Subject: "):
            subject = line[len("Subject: "):]
            for cont in lines[i + 1:]:
                if not cont.startswith((" ", "\t")):
                    break
                subject += " " + cont.strip()
            return re.sub(r"^\[PATCH[^\]]*\]\s*", "", subject).strip()
        if not line:
            break
    return ""


def name_stem(name):
    """A patch file name without its number: 0003-Added-x.patch -> Added-x.patch."""
    return re.sub(r"^\d+-", "", name)


def assign_topics(new_names, new_subjects, old_names, old_topics, old_subjects):
    """
    Topics for exported patches, from the series they replace: each patch
    keeps the topic of the old patch with its subject (or file name); one
    not found joins the topic of the patch before it (the first topic for a
    first patch). Topics left without patches are dropped. Returns
    (topics, notes).
    """
    by_subject, by_stem = {}, {}
    for topic in old_topics:
        for name in topic.patches:
            by_subject.setdefault(old_subjects.get(name), topic)
            by_stem.setdefault(name_stem(name), topic)
    notes = []
    chosen = []
    for name in new_names:
        topic = by_subject.get(new_subjects[name]) or by_stem.get(name_stem(name))
        if topic is None:
            topic = chosen[-1] if chosen else old_topics[0]
            notes.append(f"{name}: new, put in topic {topic.slug} (the commit before it)")
        chosen.append(topic)
    topics = []
    for name, old in zip(new_names, chosen):
        if topics and topics[-1].slug == old.slug:
            topics[-1].patches.append(name)
            continue
        if any(t.slug == old.slug for t in topics):
            raise Failure(
                f"The exported commits no longer keep topic {old.slug} together "
                f"({name} comes after commits of another topic). Define the "
                "topics of the rewritten history with `./scripts/branch export "
                "--topics FILE` (`./scripts/branch topics` prints the current ones)."
            )
        topics.append(Topic(old.slug, old.title, list(old.depends), [name]))
    kept = {t.slug for t in topics}
    for old in old_topics:
        if old.slug not in kept:
            notes.append(f"topic {old.slug} has no commits left: dropped")
    for topic in topics:
        missing = [d for d in topic.depends if d not in kept]
        if missing:
            notes.append(f"topic {topic.slug}: dropped dependencies on {', '.join(missing)}")
            topic.depends = [d for d in topic.depends if d in kept]
    check_topics(topics, "the exported series")
    return topics, notes


def topics_from_file(new_names, new_subjects, file_topics, where):
    """Topics for exported patches from a topics file: cut at each last subject."""
    topics, start = [], 0
    for topic in file_topics:
        ends = [i for i in range(start, len(new_names))
                if new_subjects[new_names[i]] == topic.last_subject]
        if not ends:
            before = [i for i, n in enumerate(new_names)
                      if new_subjects[n] == topic.last_subject]
            raise Failure(
                f"{where}: topic {topic.slug}: "
                + (f"its last commit ({topic.last_subject!r}) comes before the "
                   "previous topic's." if before else
                   f"no commit has the subject {topic.last_subject!r}.")
            )
        end = ends[0]
        topics.append(Topic(topic.slug, topic.title, list(topic.depends),
                            new_names[start:end + 1]))
        start = end + 1
    if start != len(new_names):
        raise Failure(
            f"{where}: the commits after the last topic's last commit belong to no "
            f"topic: {', '.join(new_names[start:])}"
        )
    return topics

"""Which of Django's test suites (runtests.py labels) a change touches."""

from pathlib import Path

# Source paths (longest prefix first wins) and the suites that test them,
# where the suite is not named after the path.
SOURCE_SUITES = [
    ("django/contrib/sessions/", ["sessions_tests"]),
    ("django/core/cache/", ["cache"]),
    ("django/core/handlers/", ["handlers", "asgi"]),
    ("django/core/signals.py", ["signals", "handlers"]),
    ("django/db/__init__.py", ["handlers", "db_utils"]),
    ("django/dispatch/", ["dispatch", "signals"]),
    ("django/http/request.py", ["requests_tests"]),
    ("django/http/response.py", ["responses"]),
    ("django/middleware/cache.py", ["cache"]),
    ("django/middleware/", ["middleware"]),
    ("django/templatetags/cache.py", ["template_tests.syntax_tests.test_cache"]),
    ("django/test/client.py", ["test_client", "test_client_regress"]),
    ("django/utils/asyncio.py", ["utils_tests.test_auto_async", "async"]),
    ("django/utils/cache.py", ["cache"]),
    ("django/utils/decorators.py", ["decorators", "utils_tests.test_decorators"]),
    ("django/utils/deprecation.py", ["deprecation", "middleware"]),
    ("django/views/decorators/", ["decorators"]),
]


def labels_for(files, tests_dir):
    """
    (labels, unmapped): the runtests.py labels for the changed files (paths
    relative to a Django tree): tests/<app>/... gives <app>; a source file
    the suites of SOURCE_SUITES, or else the suite named after its package
    (django/<...>/<name>/... -> tests/<name> or tests/<name>_tests). Files
    under docs/ need no tests; unmapped lists the other files found nowhere.
    """
    tests_dir = Path(tests_dir)
    labels, unmapped = [], []

    def add(*names):
        for name in names:
            if name not in labels:
                labels.append(name)

    for path in files:
        parts = path.split("/")
        if parts[0] == "tests" and len(parts) > 2 and (tests_dir / parts[1]).is_dir():
            add(parts[1])
        elif parts[0] == "django":
            for prefix, suites in sorted(SOURCE_SUITES, key=lambda x: -len(x[0])):
                if path == prefix or path.startswith(prefix) and prefix.endswith("/"):
                    add(*suites)
                    break
            else:
                for name in reversed(parts[1:-1]):
                    found = [n for n in (name, f"{name}_tests") if (tests_dir / n).is_dir()]
                    if found:
                        add(found[0])
                        break
                else:
                    unmapped.append(path)
        elif parts[0] not in ("docs",) and path not in ("AUTHORS",):
            unmapped.append(path)
    # A label inside a suite that runs whole anyway is redundant.
    return [x for x in labels if x.split(".")[0] == x or x.split(".")[0] not in labels], unmapped

"""The patch-set tooling behind scripts/branch, split by concern.

Imports go one way only, from the top of this list to the bottom (a module
imports only modules above it; scripts/tests checks it):

    paths       paths, constants, small helpers (say, run, git)
    topics      the patches/series format: topics and their patches
    series      build and export of the materialized branch, topic tags
    env         Debian packages, the branch's virtual environment
    servers     memcached and Redis servers on loopback
    results     running tests/runtests.py and tallying what it reports
    lint        black, isort, flake8 and the docs checks, whole tree or files
    suites      which of Django's test suites a change touches
    checkseries check-series: lint every commit, test every topic
    benchdemo   demo and bench
    pr          pull request descriptions of topics, stacked branches
    testing     the test command
    cli         the command line (scripts/branch)

`branchlib` (scripts/branchlib.py, standard library only, shared with the
PEP 517 backend) sits below them all.
"""

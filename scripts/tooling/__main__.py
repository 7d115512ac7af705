"""Run by scripts/branch: python -P scripts/tooling ARGS (or python -m tooling)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tooling.cli import main  # noqa: E402

sys.exit(main())

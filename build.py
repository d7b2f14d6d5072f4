"""Build the Data Protection Policy: ``python build.py`` writes it, ``python build.py check`` lints.

The stages live in ``site/portal/policy/``; this file only wires them to the command line.
See README.md, "Publishing a new policy version".
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent / "site"))

from portal.policy.cli import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

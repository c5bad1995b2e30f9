"""``python -m linreg_core``: the command line (linreg_core/cli/main.py)."""

import sys

from linreg_core.cli.main import main

if __name__ == "__main__":
    sys.exit(main())

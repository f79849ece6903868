"""`python -m cxos`: see `cxos.cli`."""

import sys

from cxos.cli import main

if __name__ == "__main__":
    sys.exit(main())

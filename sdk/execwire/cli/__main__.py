"""`python -m execwire.cli`: the `execwire` command."""

import sys

from . import main

sys.exit(main())

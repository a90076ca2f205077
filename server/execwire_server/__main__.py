"""`python -m execwire_server` runs the `execwire-server` entrypoint."""

import sys

from .cli import main

sys.exit(main())

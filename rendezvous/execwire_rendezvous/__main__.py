"""`python -m execwire_rendezvous` runs the `execwire-rendezvous` entrypoint."""

import sys

from .cli import main

sys.exit(main())

"""`python -m execwire_server.rendezvous` runs the `execwire-rendezvous` entrypoint."""

import sys

from .cli import main

sys.exit(main())

"""``python -m lmbasics`` runs the CLI."""

import sys

from lmbasics.cli import main

sys.exit(main())

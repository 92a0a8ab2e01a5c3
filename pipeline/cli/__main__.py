"""`python -m pipeline.cli`: the same as `primed`."""

import sys

from pipeline.cli import main

sys.exit(main())

"""``python -m carecover.verifier BUNDLE [--key VKEY] [--origin ORIGIN] [--json]``."""

import sys

from .cli import main  # noqa: TID252 - the verifier stands alone

sys.exit(main())

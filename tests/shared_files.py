"""Where the shared test files live: `../shared` beside the project root.

`BOUNCEWARDEN_SHARED` names another place (a CI runner that keeps them elsewhere).
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["CORPUS", "SES_SAMPLES", "SHARED"]

SHARED = Path(os.environ.get("BOUNCEWARDEN_SHARED") or Path(__file__).resolve().parents[2] / "shared")
SES_SAMPLES = SHARED / "samples" / "ses"
CORPUS = SHARED / "corpus"

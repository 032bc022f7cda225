"""Where the test files live: the SES/SNS/SQS samples in tests/samples/ses (the project's own),
the shared corpus in `../shared` beside the project root.

`BOUNCEWARDEN_SHARED` names another place for the corpus (a CI runner that keeps it elsewhere).
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["CORPUS", "SES_SAMPLES", "SHARED"]

SHARED = Path(os.environ.get("BOUNCEWARDEN_SHARED") or Path(__file__).resolve().parents[2] / "shared")
SES_SAMPLES = Path(__file__).resolve().parent / "samples" / "ses"
CORPUS = SHARED / "corpus"

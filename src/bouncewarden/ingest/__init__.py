"""Reading feedback from files and folders into the store (`bouncewarden ingest`).

`pipeline` reads each input (`bouncewarden.parse.reader`) and stores its events, or
quarantines what cannot be read; the files themselves come from `bouncewarden.sources.files`.
"""

from __future__ import annotations

from bouncewarden.ingest.pipeline import FeedbackStore, IngestSummary, InputResult, Outcome, ingest_input

__all__ = ["FeedbackStore", "IngestSummary", "InputResult", "Outcome", "ingest_input"]

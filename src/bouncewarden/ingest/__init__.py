"""Reading feedback from files and folders into the store (`bouncewarden ingest`).

`inputs` walks paths and yields raw inputs (email messages, mbox and Maildir messages, SES
JSON documents), telling them apart by content; `pipeline` turns each into events through
the parsers and stores them, or quarantines what cannot be read.
"""

from __future__ import annotations

from bouncewarden.ingest.inputs import InputForm, RawInput, find_files, read_file, read_inputs
from bouncewarden.ingest.pipeline import (
    DEFAULT_SOURCE,
    FeedbackStore,
    IngestSummary,
    InputResult,
    Outcome,
    ingest_input,
    read_events,
)

__all__ = [
    "DEFAULT_SOURCE",
    "FeedbackStore",
    "IngestSummary",
    "InputForm",
    "InputResult",
    "Outcome",
    "RawInput",
    "find_files",
    "ingest_input",
    "read_events",
    "read_file",
    "read_inputs",
]

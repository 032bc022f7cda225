"""Running a test HTTP server (`http.server`) on a thread for the length of a block."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import HTTPServer
from typing import TypeVar

__all__ = ["serving"]

_Server = TypeVar("_Server", bound=HTTPServer)


@contextmanager
def serving(server: _Server) -> Iterator[_Server]:
    """Serve `server` on a daemon thread; shut it down and close it when the block ends."""
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join()

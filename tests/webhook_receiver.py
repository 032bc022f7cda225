"""A real HTTP webhook receiver on 127.0.0.1 for tests: it records every request and answers
with the status its `answer` function picks for the parsed body (200 unless told otherwise)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from http_thread import serving

__all__ = ["Received", "Receiver", "running_receiver"]


@dataclass(frozen=True, slots=True)
class Received:
    """One request as the receiver saw it, and the status it answered."""

    headers: dict[str, str]
    body: bytes
    status: int

    @property
    def event(self) -> dict[str, Any]:
        parsed: dict[str, Any] = json.loads(self.body)
        return parsed


class Receiver:
    """What the receiver has seen, and how it answers."""

    def __init__(self) -> None:
        self.url = ""
        self.requests: list[Received] = []
        self.answer: Callable[[dict[str, Any]], int] = lambda event: 200
        self.delay = 0.0
        self.lock = threading.Lock()

    def events(self) -> list[dict[str, Any]]:
        """Every request's event, in arrival order (failed attempts and duplicates included)."""
        with self.lock:
            return [request.event for request in self.requests]

    def accepted(self) -> list[dict[str, Any]]:
        """What a receiver that dedupes by event id has taken in (answered 2xx), in order."""
        seen: set[str] = set()
        taken = []
        with self.lock:
            for request in self.requests:
                event = request.event
                if request.status < 300 and event["id"] not in seen:
                    seen.add(event["id"])
                    taken.append(event)
        return taken


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            if receiver.delay:
                time.sleep(receiver.delay)
            status = receiver.answer(json.loads(body))
            headers = {key.lower(): value for key, value in self.headers.items()}
            with receiver.lock:
                receiver.requests.append(Received(headers, body, status))
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@contextmanager
def running_receiver() -> Iterator[Receiver]:
    """A receiver listening on a free port of 127.0.0.1 until the block ends."""
    receiver = Receiver()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(receiver))
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    with serving(server):
        yield receiver

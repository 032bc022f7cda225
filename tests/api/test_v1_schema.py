"""Property-based run of the OpenAPI schema against a live server: no answer is a 5xx.

Schemathesis (its command line, so its own pytest plugin stays out of this suite) generates
requests for every `/v1` operation from `/openapi.json` and sends them with an admin token
to the app served by uvicorn on 127.0.0.1; the `not_a_server_error` check fails on any 5xx.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from api.conftest import LiveApi
from bouncewarden.store.tokens import Scope

# PostgreSQL, the stricter of the two (it refuses NUL in text, where SQLite stores it).
pytestmark = pytest.mark.parametrize(
    "database_url", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True
)


def test_no_generated_request_gets_a_server_error(live: LiveApi, tmp_path: Path) -> None:
    command = shutil.which("schemathesis") or str(Path(sys.executable).parent / "schemathesis")
    if not Path(command).exists():
        pytest.skip("schemathesis is not installed")
    arguments = [command, "run", f"{live.base}/openapi.json", "--checks", "not_a_server_error"]
    arguments += ["--header", f"Authorization: Bearer {live.tokens[Scope.ADMIN]}"]
    arguments += ["--include-path-regex", "^/v1/", "--max-examples", "10", "--seed", "14", "--workers", "1"]
    run = subprocess.run(arguments, capture_output=True, text=True, timeout=900, cwd=tmp_path, check=False)
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]

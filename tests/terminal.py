"""Running `bouncewarden` as a person would: stderr on a pseudo-terminal, or in a pipe."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

__all__ = ["BOUNCEWARDEN", "clean_env", "stderr_in_a_pipe", "stderr_on_a_terminal"]

BOUNCEWARDEN = str(Path(sys.executable).with_name("bouncewarden"))


def clean_env(**extra: str) -> dict[str, str]:
    """This process's environment without `BOUNCEWARDEN_*` settings, plus `extra`."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("BOUNCEWARDEN_")}
    return env | extra


def stderr_on_a_terminal(arguments: list[str], cwd: Path) -> tuple[int, str]:
    """Run `bouncewarden` with stderr on a pseudo-terminal; exit status and what the terminal got."""
    main_fd, terminal_fd = pty.openpty()
    try:
        process = subprocess.Popen(
            [BOUNCEWARDEN, *arguments],
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=terminal_fd,
            env=clean_env(),
        )
        os.close(terminal_fd)
        chunks = []
        while True:
            try:
                chunk = os.read(main_fd, 65536)
            except OSError:  # EIO: the terminal's other end is closed
                break
            if not chunk:
                break
            chunks.append(chunk)
        return process.wait(timeout=120), b"".join(chunks).decode(errors="replace")
    finally:
        os.close(main_fd)


def stderr_in_a_pipe(arguments: list[str], cwd: Path) -> tuple[int, str]:
    """Run `bouncewarden` with stderr in a pipe; exit status and what came through it."""
    process = subprocess.run(
        [BOUNCEWARDEN, *arguments],
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=clean_env(),
        timeout=120,
        check=False,
    )
    return process.returncode, process.stderr.decode(errors="replace")

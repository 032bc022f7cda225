"""Debian's dovecot (IMAP and POP3) on 127.0.0.1 for the mailbox tests, with its own config.

`running_dovecot(folder)` writes a configuration under `folder` (base, state and log paths
there; TLS from a trustme certificate; one user with a plain password in a passwd-file; mail
in a Maildir owned by `nobody`), starts `dovecot -F` on free high ports, waits until both
ports answer, and stops it (by its own process id) when the `with` block ends. Tests skip
when dovecot is not installed (`.ci/run` installs it).
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import trustme

from mail_support import free_port

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"
USER = "bounces"
PASSWORD = "s3cret-for-tests"
_MAIL_OWNER = "nobody"


@dataclass(frozen=True)
class Dovecot:
    """A running dovecot: where to connect, whom to trust, where the mail is."""

    imaps_port: int
    imap_port: int
    pop3s_port: int
    ca_file: Path
    maildir: Path

    def deliver(self, name: str, data: bytes, folder: str = "") -> Path:
        """Put a message into the user's Maildir (a Maildir++ subfolder if given), as an MTA would."""
        root = self.maildir / f".{folder}" if folder else self.maildir
        owner = pwd.getpwnam(_MAIL_OWNER)
        for part in ("tmp", "new", "cur"):
            (root / part).mkdir(parents=True, exist_ok=True)
            os.chown(root / part, owner.pw_uid, owner.pw_gid)
        os.chown(root, owner.pw_uid, owner.pw_gid)
        path = root / "new" / f"{time.time_ns()}.{name}.test"
        path.write_bytes(data)
        os.chown(path, owner.pw_uid, owner.pw_gid)
        return path

    def messages(self, folder: str = "") -> list[bytes]:
        """The messages now in a folder (as files: dovecot writes its own Maildir)."""
        root = self.maildir / f".{folder}" if folder else self.maildir
        return [
            path.read_bytes()
            for part in ("new", "cur")
            if (root / part).is_dir()
            for path in sorted((root / part).iterdir())
        ]


def is_installed() -> bool:
    """Whether dovecot can be run here."""
    return Path(DOVECOT).exists()


_CONFIG = """\
protocols = imap pop3
listen = 127.0.0.1
base_dir = {base}/run
state_dir = {base}/state
log_path = {base}/dovecot.log
info_log_path = {base}/dovecot.log
ssl = yes
ssl_cert = <{base}/cert.pem
ssl_key = <{base}/key.pem
disable_plaintext_auth = yes
auth_mechanisms = plain login
mail_location = maildir:{base}/mail/%u
first_valid_uid = 1
default_login_user = dovenull
default_internal_user = dovecot
passdb {{
  driver = passwd-file
  args = scheme=PLAIN {base}/users
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={base}/home/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {imap}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {imaps}
    ssl = yes
  }}
}}
service pop3-login {{
  inet_listener pop3 {{
    port = 0
  }}
  inet_listener pop3s {{
    address = 127.0.0.1
    port = {pop3s}
    ssl = yes
  }}
}}
pop3_uidl_format = %08Xu%08Xv
protocol imap {{
  mail_max_userip_connections = 50
}}
"""


def _wait_for(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    for _ in range(200):
        if process.poll() is not None:
            raise RuntimeError(f"dovecot exited: {log.read_text() if log.exists() else ''}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"dovecot did not listen on {port}")


@contextmanager
def running_dovecot(folder: Path) -> Iterator[Dovecot]:
    """A dovecot of its own under `folder` (see the module docstring)."""
    folder.mkdir(parents=True, exist_ok=True)
    os.chmod(folder, 0o755)
    owner = pwd.getpwnam(_MAIL_OWNER)
    authority = trustme.CA()
    certificate = authority.issue_cert("localhost", "127.0.0.1")
    certificate.private_key_pem.write_to_path(folder / "key.pem")
    certificate.cert_chain_pems[0].write_to_path(folder / "cert.pem")
    authority.cert_pem.write_to_path(folder / "ca.pem")
    (folder / "users").write_text(f"{USER}:{{PLAIN}}{PASSWORD}\n")
    for part in ("mail", "home", f"home/{USER}", "state", "run"):
        (folder / part).mkdir(exist_ok=True)
    for part in ("mail", "home", f"home/{USER}"):
        os.chown(folder / part, owner.pw_uid, owner.pw_gid)
    ports = {"imaps": free_port(), "imap": free_port(), "pop3s": free_port()}
    config = folder / "dovecot.conf"
    config.write_text(_CONFIG.format(base=folder, uid=owner.pw_uid, gid=owner.pw_gid, **ports))
    process = subprocess.Popen(
        [DOVECOT, "-F", "-c", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        for port in ports.values():
            _wait_for(port, process, folder / "dovecot.log")
        maildir = folder / "mail" / USER
        yield Dovecot(ports["imaps"], ports["imap"], ports["pop3s"], folder / "ca.pem", maildir)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stderr is not None:
            process.stderr.close()

"""A private postfix instance on 127.0.0.1 for the end-to-end test of the SMTP receiver.

`running_postfix(folder, routes)` writes a configuration of its own under `folder` (no
chroot, its own queue, log file and SMTP port on 127.0.0.1, no DNS: every destination is a
bracketed 127.0.0.1 route in an inline transport map), creates the queue folders, and runs
postfix's `master` in the foreground (`-d`) until the `with` block ends; the system's postfix
configuration is neither read nor changed. Short queue lifetimes make a greylisted message
expire in about half a minute. Needs root and Debian's `postfix` package (`.ci/run`).
"""

from __future__ import annotations

import grp
import os
import pwd
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from mail_support import free_port

MASTER = Path("/usr/lib/postfix/sbin/master")
QUEUE_LIFETIME_SECONDS = 30

_MAIN = """\
compatibility_level = 3.6
config_directory = {etc}
queue_directory = {queue}
data_directory = {data}
command_directory = /usr/sbin
daemon_directory = /usr/lib/postfix/sbin
shlib_directory = /usr/lib/postfix
meta_directory = /etc/postfix
mail_owner = postfix
setgid_group = postdrop
myhostname = mta.example.net
mydomain = example.net
myorigin = $myhostname
mydestination =
relay_domains =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
smtpd_relay_restrictions = permit_mynetworks, reject
smtpd_recipient_restrictions = permit_mynetworks, reject
transport_maps = inline:{{ {routes} }}
default_transport = error:5.1.2 no route in this test instance
disable_dns_lookups = yes
smtp_dns_support_level = disabled
smtp_host_lookup = native
maximal_queue_lifetime = {lifetime}s
bounce_queue_lifetime = {lifetime}s
queue_run_delay = 3s
minimal_backoff_time = 3s
maximal_backoff_time = 6s
delay_warning_time = 0
smtputf8_enable = no
maillog_file_prefixes = {base}
maillog_file = {base}/postfix.log
alias_maps =
alias_database =
"""

# service type private unpriv chroot wakeup maxproc command
_MASTER = """\
127.0.0.1:{port} inet n - n - - smtpd
pickup    unix n - n 60 1 pickup
cleanup   unix n - n - 0 cleanup
qmgr      unix n - n 300 1 qmgr
rewrite   unix - - n - - trivial-rewrite
bounce    unix - - n - 0 bounce
defer     unix - - n - 0 bounce
trace     unix - - n - 0 bounce
verify    unix - - n - 1 verify
flush     unix n - n 1000? 0 flush
proxymap  unix - - n - - proxymap
smtp      unix - - n - - smtp
relay     unix - - n - - smtp
showq     unix n - n - - showq
error     unix - - n - - error
retry     unix - - n - - error
discard   unix - - n - - discard
anvil     unix - - n - 1 anvil
scache    unix - - n - 1 scache
postlog   unix-dgram n - n - 1 postlogd
"""

_QUEUE_FOLDERS = {
    "active": 0o700,
    "bounce": 0o700,
    "corrupt": 0o700,
    "defer": 0o700,
    "deferred": 0o700,
    "flush": 0o700,
    "hold": 0o700,
    "incoming": 0o700,
    "private": 0o700,
    "saved": 0o700,
    "trace": 0o700,
    "maildrop": 0o730,
    "public": 0o710,
    "pid": 0o755,
}


def is_installed() -> bool:
    """Whether postfix can be run here (its master and user exist, and we are root)."""
    try:
        pwd.getpwnam("postfix")
    except KeyError:
        return False
    return MASTER.exists() and os.geteuid() == 0


def _make_queue(queue: Path) -> None:
    owner = pwd.getpwnam("postfix")
    postdrop = grp.getgrnam("postdrop").gr_gid
    queue.mkdir(parents=True)
    os.chown(queue, 0, 0)
    os.chmod(queue, 0o755)
    for name, mode in _QUEUE_FOLDERS.items():
        folder = queue / name
        folder.mkdir()
        group = postdrop if name in ("maildrop", "public") else owner.pw_gid
        os.chown(folder, 0 if name == "pid" else owner.pw_uid, 0 if name == "pid" else group)
        os.chmod(folder, mode)


@contextmanager
def running_postfix(folder: Path, routes: Mapping[str, int]) -> Iterator[int]:
    """Postfix under `folder`, relaying each domain in `routes` to that 127.0.0.1 port; its SMTP port."""
    folder.mkdir(parents=True, exist_ok=True)
    os.chmod(folder, 0o755)
    etc, queue, data = folder / "etc", folder / "queue", folder / "data"
    etc.mkdir()
    data.mkdir()
    os.chown(data, pwd.getpwnam("postfix").pw_uid, pwd.getpwnam("postfix").pw_gid)
    _make_queue(queue)
    port = free_port()
    inline = ", ".join(f"{domain}=smtp:[127.0.0.1]:{target}" for domain, target in routes.items())
    (etc / "main.cf").write_text(
        _MAIN.format(
            etc=etc, queue=queue, data=data, base=folder, routes=inline, lifetime=QUEUE_LIFETIME_SECONDS
        )
    )
    (etc / "master.cf").write_text(_MASTER.format(port=port))
    process = subprocess.Popen(
        [str(MASTER), "-d", "-c", str(etc)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                log = (folder / "postfix.log").read_text() if (folder / "postfix.log").exists() else ""
                raise RuntimeError(f"postfix exited: {process.communicate()[1]} {log}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        yield port
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stderr is not None:
            process.stderr.close()
        shutil.rmtree(queue, ignore_errors=True)

"""Generate real bounces with Debian's postfix or exim4, all on 127.0.0.1.

A scripted "remote server" (aiosmtpd on 127.0.0.1:2525, `remote.py`) answers each recipient
according to the start of its local part (`remote.REPLIES`: Gmail-, Microsoft-, Yahoo- and
iCloud-style wordings written for these tests, plus classic Postfix/RBL ones). The local MTA relays
everything to it, so the bounces it writes are the MTA's own. Nothing leaves loopback:
the MTA has DNS switched off and relays to a literal address; the two host-lookup cases
resolve in postfix's chroot, whose resolver names only 127.0.0.1, where `LoopbackResolver`
says "no such domain" for one name and "server failure" (try again later) for the rest.

Run as root on a scratch machine (it rewrites the MTA configuration), one MTA at a time:

    apt-get install -y postfix && .venv/bin/python tests/samples/real/generate.py postfix
    apt-get purge -y postfix
    apt-get install -y exim4-daemon-light && .venv/bin/python tests/samples/real/generate.py exim

Bounces land in the Maildir of the local user `bwsender` and are written to
tests/samples/real/<mta>/<case>.eml (delay notices as <case>-delay.eml). Messages that
stay deferred (4xx) need the short queue lifetime to pass: a run takes about five minutes.
"""

from __future__ import annotations

import argparse
import re
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

from aiosmtpd.controller import Controller
from remote import NXDOMAIN, REFUSED_PORT, REMOTE_PORT, LoopbackResolver, ScriptedRemote

HERE = Path(__file__).resolve().parent
SENDER = "bwsender"
SUBJECT_MARK = "bw-sample"


@dataclass(frozen=True)
class Case:
    """One message sent; its bounce (and delay notice) is saved under `name`."""

    name: str
    recipients: tuple[str, ...]
    deferred: bool = False  # the remote answers 4xx: a delay notice, then a final bounce
    mtas: tuple[str, ...] = ("postfix", "exim")
    sender: str = SENDER  # the envelope sender's local part: an alias of SENDER if not it


CASES: tuple[Case, ...] = (
    Case("unknown-virtual", ("unknown-virtual@example.com",)),
    Case("unknown-gmail", ("unknown-gmail@example.com",)),
    Case("unknown-microsoft", ("unknown-microsoft@example.com",)),
    Case("unknown-yahoo", ("unknown-yahoo@example.com",)),
    Case("unknown-local", ("nosuchuser@localhost",)),
    Case("full-plain", ("full-plain@example.com",)),
    Case("full-gmail", ("full-gmail@example.com",)),
    Case("disabled-yahoo", ("disabled-yahoo@example.com",)),
    Case("moved", ("moved@example.com",)),
    Case("spam-rbl", ("spam-rbl@example.com",)),
    Case("blocked-microsoft", ("blocked-microsoft@example.com",)),
    Case("relay-denied", ("relay-denied@example.org",)),
    Case("ptr-gmail", ("ptr-gmail@example.com",)),
    Case("policy-content", ("policy-content@example.com",)),
    Case("auth-dmarc-gmail", ("auth-dmarc-gmail@example.com",)),
    Case("auth-spf-microsoft", ("auth-spf-microsoft@example.com",)),
    Case("auth-yahoo", ("auth-yahoo@example.com",)),
    Case("spam-content", ("spam-content@example.com",)),
    Case("virus", ("virus@example.com",)),
    Case("too-big", ("too-big@example.com",)),
    Case("spam-gmail", ("spam-gmail@example.com",)),
    Case("reputation-gmail", ("reputation-gmail@example.com",)),
    Case("disabled-gmail", ("disabled-gmail@example.com",)),
    Case("banned-ip-microsoft", ("banned-ip-microsoft@example.com",)),
    Case("policy-yahoo", ("policy-yahoo@example.com",)),
    Case("dnsbl-yahoo", ("dnsbl-yahoo@example.com",)),
    Case("blocked-apple", ("blocked-apple@example.com",)),
    Case("policy-microsoft", ("policy-microsoft@example.com",)),
    Case("sender-unknown", ("sender-unknown@example.com",)),
    Case("blacklisted-ip", ("blacklisted-ip@example.com",)),
    Case("unknown-after-data", ("unknown-after-data@example.com",)),
    Case("spam-several", ("spam-several-1@example.com", "spam-several-2@example.org")),
    Case("sender-rejected", ("accepted-2@example.com",), sender="sender-rejected"),
    Case(
        "several-recipients",
        (
            "unknown-virtual-2@example.com",
            "full-plain-2@example.com",
            "moved-2@example.com",
            "accepted@example.com",
        ),
    ),
    Case("rate-limit", ("rate-limit@example.com",), deferred=True),
    Case("greylist", ("greylist@example.com",), deferred=True),
    Case("busy-microsoft", ("busy-microsoft@example.com",), deferred=True),
    Case("volume-yahoo", ("volume-yahoo@example.com",), deferred=True),
    Case("host-lookup-failure", ("someone@nxdomain.invalid",), deferred=True, mtas=("postfix",)),
    Case("host-not-found", (f"someone@{NXDOMAIN}",), mtas=("postfix",)),
    Case("connection-refused", ("someone@refused.example",), deferred=True),
)


def aliases() -> str:
    """/etc/aliases: postmaster mail and the cases' other senders reach SENDER."""
    senders = sorted({case.sender for case in CASES} - {SENDER})
    return "".join(f"{name}: {SENDER}@localhost\n" for name in ("postmaster", "root", *senders))


def run(*command: str, stdin: str | None = None) -> str:
    """Run a command, failing loudly."""
    done = subprocess.run(command, input=stdin, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.exit(f"{' '.join(command)} failed: {done.stderr.strip()}")
    return done.stdout


def ensure_sender() -> Path:
    """Create the local sender whose Maildir collects the bounces; return the Maildir."""
    if subprocess.run(["id", SENDER], capture_output=True, check=False).returncode != 0:
        run("useradd", "-m", SENDER)
    maildir = Path("/home") / SENDER / "Maildir"
    for folder in ("new", "cur", "tmp"):
        (maildir / folder).mkdir(parents=True, exist_ok=True)
        for old in (maildir / folder).iterdir():
            old.unlink()
    run("chown", "-R", f"{SENDER}:{SENDER}", str(maildir))
    return maildir


POSTFIX_SETTINGS = {
    "compatibility_level": "3.6",
    "myhostname": "mta.example.net",
    "mydomain": "example.net",
    "myorigin": "$myhostname",
    "mydestination": "localhost",
    "inet_interfaces": "loopback-only",
    "inet_protocols": "ipv4",
    "relayhost": f"[127.0.0.1]:{REMOTE_PORT}",
    "disable_dns_lookups": "yes",
    "smtp_dns_support_level": "disabled",
    "smtp_host_lookup": "native",
    "default_transport": "smtp",
    "transport_maps": "texthash:/etc/postfix/transport",
    "alias_maps": "hash:/etc/aliases",
    "alias_database": "hash:/etc/aliases",
    "home_mailbox": "Maildir/",
    "maximal_queue_lifetime": "3m",
    "bounce_queue_lifetime": "3m",
    "delay_warning_time": "1m",
    "queue_run_delay": "20s",
    "minimal_backoff_time": "20s",
    "maximal_backoff_time": "40s",
    "smtputf8_enable": "no",
    "maillog_file": "/var/log/postfix.log",  # no syslog needed to see what happened
}

# Next hops by recipient domain; everything else goes to `relayhost`.
POSTFIX_TRANSPORT = (
    "nxdomain.invalid smtp:nxdomain.invalid\n"
    f"{NXDOMAIN} smtp:{NXDOMAIN}\n"
    f"refused.example smtp:[127.0.0.1]:{REFUSED_PORT}\n"
)

# postfix's smtp client runs chrooted in its queue directory: there the resolver's only
# server is 127.0.0.1:53, where `LoopbackResolver` answers. No lookup leaves the machine.
CHROOT_FILES = {
    "etc/nsswitch.conf": "hosts: files\n",
    "etc/hosts": "127.0.0.1 localhost\n",
    "etc/resolv.conf": "nameserver 127.0.0.1\n",
}


def setup_postfix() -> str:
    """Configure and (re)start postfix; return its version."""
    Path("/etc/postfix/main.cf").touch()
    subprocess.run(["postfix", "stop"], capture_output=True, check=False)
    run("postconf", "-e", *(f"{name}={value}" for name, value in POSTFIX_SETTINGS.items()))
    Path("/etc/postfix/transport").write_text(POSTFIX_TRANSPORT)
    Path("/etc/aliases").write_text(aliases())
    run("newaliases")
    for name, text in CHROOT_FILES.items():
        path = Path("/var/spool/postfix") / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    subprocess.run(["postsuper", "-d", "ALL"], capture_output=True, check=False)
    run("postfix", "start")
    return run("postconf", "-h", "mail_version").strip()


EXIM_CONFIG = f"""dc_eximconfig_configtype='smarthost'
dc_other_hostnames='localhost'
dc_local_interfaces='127.0.0.1'
dc_readhost=''
dc_relay_domains=''
dc_minimaldns='true'
dc_relay_nets=''
dc_smarthost='127.0.0.1::{REMOTE_PORT}'
CFILEMODE='644'
dc_use_split_config='true'
dc_hide_mailname=''
dc_mailname_in_oh='true'
dc_localdelivery='maildir_home'
"""

# Files added to Debian's split exim4 configuration (conf.d/<section>/<file>): the host
# name, a three-minute retry limit, early delay warnings, a route to a closed port and one
# to the scripted remote (Debian's smarthost router refuses a host that is this machine).
EXIM_FILES = {
    "conf.d/main/000_localmacros": "MAIN_HARDCODE_PRIMARY_HOSTNAME = mta.example.net\n",
    "conf.d/main/95_bouncewarden": "delay_warning = 1m\n",
    "conf.d/retry/10_bouncewarden": "*  *  F,3m,20s\n",
    "conf.d/router/150_bouncewarden": (
        "bouncewarden_refused:\n"
        "  driver = manualroute\n"
        "  domains = refused.example\n"
        "  transport = bouncewarden_smtp\n"
        f"  route_list = * 127.0.0.1::{REFUSED_PORT} byname\n"
        "  self = send\n"
        "bouncewarden_remote:\n"
        "  driver = manualroute\n"
        "  domains = ! +local_domains\n"
        "  transport = bouncewarden_smtp\n"
        f"  route_list = * 127.0.0.1::{REMOTE_PORT} byname\n"
        "  self = send\n"
        "  no_more\n"
    ),
    # The remote is on this host (another port): exim must be allowed to connect to it.
    "conf.d/transport/40_bouncewarden": "bouncewarden_smtp:\n  driver = smtp\n  allow_localhost\n",
}


def setup_exim() -> str:
    """Configure and (re)start exim4 as a smarthost client of the scripted remote."""
    subprocess.run(["service", "exim4", "stop"], capture_output=True, check=False)
    Path("/etc/mailname").write_text("mta.example.net\n")
    Path("/etc/exim4/update-exim4.conf.conf").write_text(EXIM_CONFIG)
    for name, text in EXIM_FILES.items():
        Path("/etc/exim4", name).write_text(text)
    defaults = Path("/etc/default/exim4")
    defaults.write_text(re.sub(r"QUEUEINTERVAL='[^']*'", "QUEUEINTERVAL='15s'", defaults.read_text()))
    Path("/etc/aliases").write_text(aliases())
    run("update-exim4.conf")
    for hints in Path("/var/spool/exim4/db").glob("*"):  # retry records of an earlier run
        hints.unlink()
    queued = re.findall(r"\b\w{6}-\w{6,11}-\w{2,4}\b", run("exim4", "-bp"))
    if queued:  # leftovers of an earlier run
        subprocess.run(["exim4", "-Mrm", *queued], capture_output=True, check=False)
    run("service", "exim4", "start")
    return run("exim4", "-bV").splitlines()[0]


def send(case: Case) -> None:
    """Submit one message through the local MTA's sendmail command."""
    message = EmailMessage()
    message["From"] = f"Bounce Warden <{case.sender}@localhost>"
    message["To"] = ", ".join(case.recipients)
    message["Subject"] = f"{SUBJECT_MARK} {case.name}"
    message["Message-ID"] = f"<{case.name}.sample@localhost>"
    message["Date"] = "Tue, 01 Dec 2026 04:00:00 +0000"
    message.set_content(f"A test message for the case {case.name}.\n")
    run("/usr/sbin/sendmail", "-f", f"{case.sender}@localhost", *case.recipients, stdin=message.as_string())


def is_delay_notice(raw: str) -> bool:
    """A warning that delivery is still being retried, not a final failure."""
    head = raw.split("\n\n", 1)[0]
    return bool(re.search(r"^Subject:.*(delayed|still being retried)", head, re.I | re.M))


def anonymise(raw: str) -> str:
    """The machine's own host name, wherever the MTA still wrote it, as mta.example.net."""
    host = re.escape(socket.gethostname().split(".")[0])
    return re.sub(rf"(?<![\w.-]){host}(?:\.localdomain)?(?![\w-])", "mta.example.net", raw)


def collect(maildir: Path, out: Path, expected: set[str], timeout: float) -> set[str]:
    """Move bounces from the Maildir into `out`, named after their case, until all expected
    names are in (or the time is up); return the names saved."""
    out.mkdir(parents=True, exist_ok=True)
    saved: set[str] = set()
    deadline = time.monotonic() + timeout
    while not expected <= saved and time.monotonic() < deadline:
        time.sleep(5)
        for path in sorted((maildir / "new").iterdir()):
            raw = anonymise(path.read_text(errors="replace"))
            found = re.search(rf"{SUBJECT_MARK} ([a-z0-9-]+)", raw)
            name = found.group(1) if found else f"unnamed-{path.name[:12]}"
            if is_delay_notice(raw):
                name += "-delay"
            target = out / f"{name}.eml"
            target.write_text(raw)
            path.unlink()
            saved.add(name)
            print(f"saved {target.relative_to(HERE)}", flush=True)
    return saved


def main() -> None:
    """Generate the samples of one MTA."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("mta", choices=("postfix", "exim"))
    parser.add_argument("--timeout", type=float, default=480.0, help="seconds to wait for bounces")
    parser.add_argument("--only", default="", help="comma-separated case names (default: all)")
    options = parser.parse_args()
    maildir = ensure_sender()
    version = setup_postfix() if options.mta == "postfix" else setup_exim()
    print(f"{options.mta} {version}", flush=True)
    controller = Controller(ScriptedRemote(), hostname="127.0.0.1", port=REMOTE_PORT)
    controller.start()
    resolver = LoopbackResolver() if options.mta == "postfix" else None
    if resolver is not None:
        resolver.start()
    try:
        only = set(filter(None, options.only.split(",")))
        cases = [case for case in CASES if options.mta in case.mtas and (not only or case.name in only)]
        # Deferred cases go last: a 421 makes the MTA hold back its next connections.
        for case in [case for case in cases if not case.deferred]:
            send(case)
        if any(case.deferred for case in cases):
            time.sleep(20)
        for case in [case for case in cases if case.deferred]:
            send(case)
        expected = {case.name for case in cases} | {f"{case.name}-delay" for case in cases if case.deferred}
        saved = collect(maildir, HERE / options.mta, expected, options.timeout)
        print(f"{len(saved & expected)} of {len(expected)} bounces saved", flush=True)
        if expected - saved:
            print(f"missing: {', '.join(sorted(expected - saved))}", flush=True)
    finally:
        controller.stop()
        if resolver is not None:
            resolver.stop()


if __name__ == "__main__":
    main()

"""Generate real bounces with Debian's postfix, exim4, sendmail or OpenSMTPD, all on 127.0.0.1.

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
    apt-get install -y sendmail-bin sendmail-cf && .venv/bin/python tests/samples/real/generate.py sendmail
    apt-get install -y opensmtpd && .venv/bin/python tests/samples/real/generate.py opensmtpd

sendmail and OpenSMTPD run in a mount namespace whose resolver is `LoopbackResolver`.
Bounces land in the Maildir (sendmail: the mbox) of the local user `bwsender` and are written to
tests/samples/real/<mta>/<case>.eml (delay notices as <case>-delay.eml). Messages that
stay deferred (4xx) need the short queue lifetime to pass: a run takes about five minutes.
"""

from __future__ import annotations

import argparse
import fcntl
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from email.message import EmailMessage
from pathlib import Path

from aiosmtpd.controller import Controller
from cases import CASES, SENDER, Case
from remote import NXDOMAIN, REFUSED_PORT, REMOTE_PORT, LoopbackResolver, ScriptedRemote

HERE = Path(__file__).resolve().parent
MBOX = Path("/var/mail") / SENDER  # where sendmail's mail.local delivers
SUBJECT_MARK = "bw-sample"


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


# sendmail's own configuration, built with m4 into /etc/mail/sendmail.cf: Debian's OS and
# paths, the host name, no DNS (a service switch naming files only, no canonification),
# everything relayed to the scripted remote (the relay mailer on port 2525), the closed port
# reached through a mailertable entry (the esmtp mailer on port 2599), a three-minute queue
# lifetime with warnings after one, each queued job in its own process (no host status
# shared between the deferred cases), local delivery by mail.local to /var/mail.
SENDMAIL_MC = f"""divert(-1)dnl
divert(0)dnl
define(`_USE_ETC_MAIL_')dnl
include(`/usr/share/sendmail/cf/m4/cf.m4')dnl
VERSIONID(`bouncewarden generate.py')dnl
OSTYPE(`debian')dnl
DOMAIN(`debian-mta')dnl
undefine(`confHOST_STATUS_DIRECTORY')dnl
define(`confDOMAIN_NAME', `mta.example.net')dnl
define(`confSERVICE_SWITCH_FILE', `/etc/mail/service.switch-nodns')dnl
define(`confBIND_OPTS', `-DNSRCH -DEFNAMES')dnl
define(`ALIAS_FILE', `/etc/mail/aliases')dnl
define(`confTO_QUEUERETURN', `3m')dnl
define(`confTO_QUEUEWARN', `1m')dnl
define(`confTO_HOSTSTATUS', `1s')dnl
define(`confMIN_QUEUE_AGE', `0')dnl
define(`confSEPARATE_PROC', `True')dnl
define(`confDELIVERY_MODE', `background')dnl
define(`SMART_HOST', `relay:[127.0.0.1]')dnl
define(`RELAY_MAILER_ARGS', `TCP $h {REMOTE_PORT}')dnl
define(`ESMTP_MAILER_ARGS', `TCP $h {REFUSED_PORT}')dnl
FEATURE(`nocanonify')dnl
FEATURE(`mailertable', `hash -o /etc/mail/mailertable')dnl
FEATURE(`local_lmtp', `/usr/libexec/sendmail/mail.local')dnl
DAEMON_OPTIONS(`Family=inet, Name=MTA-v4, Port=smtp, Addr=127.0.0.1')dnl
LOCAL_DOMAIN(`localhost')dnl
MAILER(`local')dnl
MAILER(`smtp')dnl
"""

SENDMAIL_MAILERTABLE = "refused.example esmtp:[127.0.0.1]\n"


# sendmail and OpenSMTPD resolve through the system's resolver (libc's, or OpenSMTPD's own
# asr, which asks the DNS before /etc/hosts): they run, and messages are submitted, in a
# mount namespace whose /etc/resolv.conf names only 127.0.0.1, where `LoopbackResolver`
# answers (and prints each question), and whose /etc/hosts gives the machine's own name
# the qualified name mta.example.net (sendmail waits a minute when it cannot qualify it).
# The rest of the machine keeps its resolver and hosts file.
LOOPBACK_FILES = {
    "/etc/resolv.conf": "nameserver 127.0.0.1\nlookup file bind\n",
    "/etc/hosts": f"127.0.0.1 localhost\n127.0.0.1 mta.example.net {socket.gethostname()}\n",
}


def loopback_dns(*command: str) -> tuple[str, ...]:
    """`command`, run in its own mount namespace with `LOOPBACK_FILES`."""
    mounts = []
    for target, text in LOOPBACK_FILES.items():
        source = Path("/run") / f"bouncewarden-{Path(target).name}"
        source.write_text(text)
        mounts.append(f"mount --bind {source} {target}")
    script = " && ".join([*mounts, 'exec "$@"'])
    return ("unshare", "--mount", "sh", "-c", script, "sh", *command)


def start_daemon(*command: str) -> None:
    """Start a daemon that forks away (its output would hold `run`'s pipes open)."""
    with open("/var/log/bouncewarden-mta.log", "a") as log:
        if subprocess.run(command, stdin=subprocess.DEVNULL, stdout=log, stderr=log, check=False).returncode:
            sys.exit(f"{' '.join(command)} failed: see /var/log/bouncewarden-mta.log")


def setup_sendmail() -> str:
    """Configure and (re)start sendmail (queue runs every 15 s); return its version."""
    subprocess.run(["service", "sendmail", "stop"], capture_output=True, check=False)
    for pid_file in ("/run/sendmail/mta/sendmail.pid", "/var/run/sendmail/mta/sendmail.pid"):
        if Path(pid_file).exists():
            subprocess.run(["kill", Path(pid_file).read_text().split()[0]], capture_output=True, check=False)
    Path("/etc/mail/sendmail.mc").write_text(SENDMAIL_MC)
    Path("/etc/mail/sendmail.cf").write_text(run("m4", "/etc/mail/sendmail.mc"))
    Path("/etc/mail/mailertable").write_text(SENDMAIL_MAILERTABLE)
    run("makemap", "hash", "/etc/mail/mailertable", stdin=SENDMAIL_MAILERTABLE)
    Path("/etc/mail/aliases").write_text(aliases())
    run(*loopback_dns("newaliases"))
    for old in Path("/var/spool/mqueue").glob("*"):  # leftovers of an earlier run
        old.unlink()
    Path("/var/mail", SENDER).unlink(missing_ok=True)
    Path("/run/sendmail/mta").mkdir(parents=True, exist_ok=True)
    start_daemon(*loopback_dns("/usr/sbin/sendmail", "-L", "sm-mta", "-bd", "-q15s"))
    version = run(*loopback_dns("/usr/sbin/sendmail", "-d0.1", "-bt"), stdin="")
    return version.splitlines()[0]


# OpenSMTPD: the host name (/etc/mailname, read by smtpd), local delivery to Maildir,
# everything relayed to the scripted remote, `refused.example` to the closed port, a
# three-minute queue lifetime and a delay warning after one minute. smtpd keeps the state
# of a route per IP address, not per port: a refused connection to 127.0.0.1:2599 would
# hold back the scripted remote too, so the closed port is reached at 127.0.0.2.
# `queue ttl 3m` is accepted, but OpenSMTPD 6.8.0p2 still gave each envelope "ttl: 0"
# (`smtpctl show envelope`), its delay notice says "kept in the queue for up to 7 days",
# and retries forced with `smtpctl schedule all` after five minutes did not expire them: a
# run gets the delay notices of the deferred cases, not their final bounces.
SMTPD_PID = Path("/run/bouncewarden-smtpd.pid")
OPENSMTPD_CONF = f"""table aliases file:/etc/aliases
queue ttl 3m
bounce warn-interval 1m
listen on 127.0.0.1 port 25 hostname mta.example.net
action "local" maildir "%{{user.directory}}/Maildir" alias <aliases>
action "remote" relay host smtp+notls://127.0.0.1:{REMOTE_PORT} helo mta.example.net
action "refused" relay host smtp+notls://127.0.0.2:{REFUSED_PORT} helo mta.example.net
match from local for domain "refused.example" action "refused"
match from local for domain "localhost" action "local"
match from local for any action "remote"
"""


def setup_opensmtpd() -> str:
    """Configure and (re)start OpenSMTPD (in the foreground, logging to a file, its process
    id in `SMTPD_PID`); return its version."""
    if SMTPD_PID.exists():  # the smtpd of an earlier run
        subprocess.run(["kill", SMTPD_PID.read_text().strip()], capture_output=True, check=False)
        time.sleep(2)
    Path("/etc/mailname").write_text("mta.example.net\n")
    Path("/etc/smtpd.conf").write_text(OPENSMTPD_CONF)
    Path("/etc/aliases").write_text(aliases())
    run("smtpd", "-n")
    for folder in ("queue", "incoming", "purge", "temporary", "offline"):  # an earlier run's
        for old in Path("/var/spool/smtpd", folder).glob("*"):
            shutil.rmtree(old) if old.is_dir() else old.unlink()
    log = open("/var/log/bouncewarden-mta.log", "a")  # noqa: SIM115 - smtpd keeps it
    daemon = subprocess.Popen(loopback_dns("smtpd", "-d"), stdin=subprocess.DEVNULL, stdout=log, stderr=log)
    SMTPD_PID.write_text(f"{daemon.pid}\n")  # unshare and sh exec smtpd: the same process
    time.sleep(2)
    usage = subprocess.run(["smtpd", "-h"], capture_output=True, text=True, check=False)
    return (usage.stdout + usage.stderr).splitlines()[0]  # "version: OpenSMTPD 6.8.0p2"


# sendmail: submit with the MTA's own configuration (no MSP queue), errors mailed back.
SUBMIT_OPTIONS = {"sendmail": ("-Am", "-oem")}


def send(case: Case, mta: str) -> None:
    """Submit one message through the local MTA's sendmail command."""
    message = EmailMessage()
    message["From"] = f"Bounce Warden <{case.sender}@localhost>"
    message["To"] = ", ".join(case.recipients)
    message["Subject"] = f"{SUBJECT_MARK} {case.name}"
    message["Message-ID"] = f"<{case.name}.sample@localhost>"
    message["Date"] = "Tue, 01 Dec 2026 04:00:00 +0000"
    message.set_content(f"A test message for the case {case.name}.\n")
    command = ["/usr/sbin/sendmail", *SUBMIT_OPTIONS.get(mta, ()), "-f", f"{case.sender}@localhost"]
    if mta in ("sendmail", "opensmtpd"):
        command = list(loopback_dns(*command))
    done = subprocess.run(
        [*command, *case.recipients], input=message.as_string(), capture_output=True, text=True
    )
    # sendmail finds an unknown local user at once: it mails the bounce (-oem) and exits 67.
    if done.returncode not in ((0, 67) if mta == "sendmail" else (0,)):
        sys.exit(f"{' '.join(command)} failed ({done.returncode}): {done.stderr.strip()}")


def is_delay_notice(raw: str) -> bool:
    """A warning that delivery is still being retried, not a final failure."""
    head = raw.split("\n\n", 1)[0]
    return bool(
        re.search(
            r"^Subject:.*(delayed|still being retried|could not send message for past)", head, re.I | re.M
        )
    )


def anonymise(raw: str) -> str:
    """The machine's own host name, wherever the MTA still wrote it, as mta.example.net."""
    host = re.escape(socket.gethostname().split(".")[0])
    return re.sub(rf"(?<![\w.-]){host}(?:\.localdomain)?(?![\w-])", "mta.example.net", raw)


def take_new(maildir: Path, mbox: Path) -> list[tuple[str, str]]:
    """Remove and return (label, text) of the messages delivered since the last call: the
    files in the Maildir's new/, and the messages appended to the mbox (truncated in place
    under a lock, so that the MTA's delivery agent keeps its file and owner)."""
    taken = []
    for path in sorted((maildir / "new").iterdir()):
        taken.append((path.name, path.read_text(errors="replace")))
        path.unlink()
    if mbox.exists() and mbox.stat().st_size:
        with mbox.open("r+b") as handle:
            fcntl.lockf(handle, fcntl.LOCK_EX)
            data = handle.read()
            handle.seek(0)
            handle.truncate()
            fcntl.lockf(handle, fcntl.LOCK_UN)
        for number, text in enumerate(re.split(rb"^From [^\n]*\n", data, flags=re.M)[1:]):
            # mbox delivery adds a blank line after each message and quotes body lines
            # starting with "From ": undo both.
            text = re.sub(rb"^>From ", b"From ", text.removesuffix(b"\n"), flags=re.M)
            taken.append((f"mbox-{number}", text.decode(errors="replace")))
    return taken


def collect(maildir: Path, mbox: Path, out: Path, expected: set[str], timeout: float) -> set[str]:
    """Move bounces from the Maildir or mbox into `out`, named after their case, until all
    expected names are in (or the time is up); return the names saved."""
    out.mkdir(parents=True, exist_ok=True)
    saved: set[str] = set()
    deadline = time.monotonic() + timeout
    while not expected <= saved and time.monotonic() < deadline:
        time.sleep(5)
        for label, text in take_new(maildir, mbox):
            raw = anonymise(text)
            found = re.search(rf"{SUBJECT_MARK} ([a-z0-9-]+)", raw)
            name = found.group(1) if found else f"unnamed-{label[:12]}"
            if is_delay_notice(raw):
                name += "-delay"
            target = out / f"{name}.eml"
            target.write_text(raw)
            saved.add(name)
            print(f"saved {target.relative_to(HERE)}", flush=True)
    return saved


SETUP: dict[str, Callable[[], str]] = {
    "postfix": setup_postfix,
    "exim": setup_exim,
    "sendmail": setup_sendmail,
    "opensmtpd": setup_opensmtpd,
}


def main() -> None:
    """Generate the samples of one MTA."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("mta", choices=tuple(SETUP))
    parser.add_argument("--timeout", type=float, default=480.0, help="seconds to wait for bounces")
    parser.add_argument("--only", default="", help="comma-separated case names (default: all)")
    options = parser.parse_args()
    maildir = ensure_sender()
    version = SETUP[options.mta]()
    print(f"{options.mta} {version}", flush=True)
    controller = Controller(ScriptedRemote(), hostname="127.0.0.1", port=REMOTE_PORT)
    controller.start()
    resolver = LoopbackResolver() if options.mta != "exim" else None
    if resolver is not None:
        resolver.start()
    try:
        only = set(filter(None, options.only.split(",")))
        cases = [case for case in CASES if options.mta in case.mtas and (not only or case.name in only)]
        # Deferred cases go last: a 421 makes the MTA hold back its next connections.
        for case in [case for case in cases if not case.deferred]:
            send(case, options.mta)
        if any(case.deferred for case in cases):
            time.sleep(20)
        for case in [case for case in cases if case.deferred]:
            send(case, options.mta)
        expected = {case.name for case in cases} | {f"{case.name}-delay" for case in cases if case.deferred}
        if options.mta == "opensmtpd":  # its envelopes never expire in a run: see OPENSMTPD_CONF
            expected -= {case.name for case in cases if case.deferred}
        saved = collect(maildir, MBOX, HERE / options.mta, expected, options.timeout)
        print(f"{len(saved & expected)} of {len(expected)} bounces saved", flush=True)
        if expected - saved:
            print(f"missing: {', '.join(sorted(expected - saved))}", flush=True)
    finally:
        controller.stop()
        if resolver is not None:
            resolver.stop()


if __name__ == "__main__":
    main()

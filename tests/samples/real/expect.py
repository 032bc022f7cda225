"""Print the expected rows (expected.tsv's columns) of the documented receivers' samples.

    python tests/samples/real/expect.py ROOT [ROOT...]

For every ROOT/<mta>/<case>.eml (and <case>-delay.eml) whose case is one of receivers.py's
documented replies, one row per recipient: the status the reply states (class.0.0 when it
states none; see EXPIRED_STATUS), the reason its documentation gives, the hard flag and severity DESIGN.md's
table gives that reason, and the kind (a delay notice or a bounce). Nothing here reads a
parser's output.
"""

from __future__ import annotations

import sys
from pathlib import Path

from receivers import DOCUMENTED

BY_CASE = {reply.prefix: reply for reply in DOCUMENTED}

# A final bounce after a 4xx reply that states no enhanced status carries the status its
# MTA gives the expired delivery: exim's "5.0.0", sendmail's "4.4.7" (postfix keeps the
# reply's class, "4.0.0"). Elsewhere a reply stating none is class.0.0, whatever status the
# MTA guessed from the reply code (sendmail's 5.1.1 at RCPT, 5.2.0 after DATA).
EXPIRED_STATUS = {"exim": "5.0.0", "sendmail": "4.4.7"}


def rows(root: Path) -> list[str]:
    """The expected rows of the documented cases' samples under `root`."""
    found = []
    for sample in sorted(root.glob("*/*.eml")):
        case = sample.stem.removesuffix("-delay")
        reply = BY_CASE.get(case)
        if reply is None:
            continue
        kind = "delay" if sample.stem.endswith("-delay") else "bounce"
        hard = "true" if reply.severity == "hard" else "false"
        mta = sample.parent.name
        status = reply.status
        if reply.deferred and kind == "bounce" and status.endswith(".0.0"):
            status = EXPIRED_STATUS.get(mta, status)
        fields = (
            sample.relative_to(root).as_posix(),
            reply.recipient,
            status,
            reply.reason,
            hard,
            reply.severity,
            kind,
        )
        found.append("\t".join(fields))
    return found


def main() -> None:
    for root in sys.argv[1:]:
        for row in rows(Path(root)):
            print(row)


if __name__ == "__main__":
    main()

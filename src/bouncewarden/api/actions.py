"""The changes people and programs make over HTTP, shared by `/v1` and the admin UI.

Each action takes the actor (`token:ID` or `user:NAME`) and a note, changes the store through
the service, and writes the audit log, so the API and the UI can never audit differently.
Address changes are also in each address's `transitions` with the same actor and note.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bouncewarden.addresses import address_problem, normalise_address, valid_address
from bouncewarden.api.context import Backend
from bouncewarden.errors import InvalidAddress
from bouncewarden.events import FeedbackEvent, Kind, Reason, Severity, default_severity
from bouncewarden.intake import Feedback, InputOutcome, RawInput, Reading, ReadInput, Unreadable
from bouncewarden.parse.report import ParsedReport
from bouncewarden.policy import AddressStatus
from bouncewarden.store.patterns import BlockedEntry, BlockKind

__all__ = ["Actions", "AddressCheck", "ChangeResult"]

SOURCE = "api"


@dataclass(frozen=True, slots=True)
class AddressCheck:
    """What `check` says about one address, as it was given."""

    address: str
    state: str
    reason: str | None
    suppressed: bool


@dataclass(frozen=True, slots=True)
class ChangeResult:
    """The addresses a change moved, how many it left as they were, and the ones refused."""

    changed: list[str]
    unchanged: int
    invalid: list[str]


def _split_valid(addresses: Iterable[str]) -> tuple[list[str], list[str]]:
    valid: list[str] = []
    invalid: list[str] = []
    for address in addresses:
        try:
            valid.append(valid_address(address))
        except InvalidAddress:
            invalid.append(address)
    return valid, invalid


class Actions:
    """Checks and audited changes over one `Backend`."""

    def __init__(self, backend: Backend) -> None:
        self._backend = backend
        self._service = backend.service

    def check(self, addresses: Sequence[str]) -> list[AddressCheck]:
        """Each address's state and reason, in the order given (unknown ones are active)."""
        normal: dict[str, str | None] = {}
        for address in addresses:
            normal[address] = None if address_problem(address) else normalise_address(address)
        statuses = self._service.admin.statuses([value for value in normal.values() if value])
        matcher = self._backend.blocks.matcher()
        answers: list[AddressCheck] = []
        for address in addresses:
            key = normal[address]
            if key is None:
                answers.append(AddressCheck(address, "invalid", address_problem(address), False))
                continue
            status, reason = statuses.get(key, (AddressStatus.ACTIVE, None))
            if status is not AddressStatus.SUPPRESSED and matcher:
                entry = matcher.match(key)
                if entry is not None:
                    answers.append(AddressCheck(address, "suppressed", entry.kind.value, True))
                    continue
            suppressed = status is AddressStatus.SUPPRESSED
            answers.append(AddressCheck(address, status.value, reason.value if reason else None, suppressed))
        return answers

    def suppress(self, addresses: Sequence[str], *, note: str, actor: str) -> ChangeResult:
        """Suppress addresses by hand."""
        valid, invalid = _split_valid(addresses)
        changed = self._service.admin.suppress(valid, note=note, actor=actor) if valid else []
        self._audit(actor, "suppress", changed, note)
        return ChangeResult(changed, len(set(valid)) - len(changed), invalid)

    def lift(self, addresses: Sequence[str], *, note: str, actor: str) -> ChangeResult:
        """Lift suppressions (and soft state)."""
        valid, invalid = _split_valid(addresses)
        changed = self._service.admin.unsuppress(valid, note=note, actor=actor) if valid else []
        self._audit(actor, "lift", changed, note)
        return ChangeResult(changed, len(set(valid)) - len(changed), invalid)

    def clear_soft(self, addresses: Sequence[str], *, note: str, actor: str) -> ChangeResult:
        """Clear soft-bounce records; suppressed addresses are left alone."""
        valid, invalid = _split_valid(addresses)
        changed = self._service.admin.clear_soft(valid, note=note, actor=actor) if valid else []
        self._audit(actor, "clear_soft", changed, note)
        return ChangeResult(changed, len(set(valid)) - len(changed), invalid)

    def block(self, kind: BlockKind, value: str, *, note: str, actor: str) -> BlockedEntry:
        """Suppress a whole domain or pattern (ValueError for a malformed one)."""
        entry = self._backend.blocks.add(kind, value, note=note, actor=actor)
        self._backend.audit.record(actor, f"block_{kind.value}", entry.value, note)
        return entry

    def unblock(self, entry_id: int, *, note: str, actor: str) -> BlockedEntry | None:
        """Remove a domain or pattern suppression."""
        entry = self._backend.blocks.remove(entry_id)
        if entry is not None:
            self._backend.audit.record(actor, f"unblock_{entry.kind.value}", entry.value, note)
        return entry

    def add_rule(self, text: str, *, note: str, actor: str) -> int:
        """Store an operator rule written `PATTERN ==> SEVERITY [REASON]` (ValueError when malformed)."""
        from bouncewarden.classify import parse_rule

        rule = parse_rule(text)
        rule_id = self._service.rules.add_operator_rule(rule, note=note)
        self._backend.audit.record(actor, "rule_add", f"rule:{rule_id}", f"{text} ({note})" if note else text)
        return rule_id

    def remove_rule(self, rule_id: int, *, actor: str) -> bool:
        """Delete an operator rule."""
        removed = self._service.rules.remove_operator_rule(rule_id)
        if removed:
            self._backend.audit.record(actor, "rule_remove", f"rule:{rule_id}")
        return removed

    def reorder_rules(self, rule_ids: Sequence[int], *, actor: str) -> bool:
        """Set the order the rules are tried in (every rule's id, once)."""
        done = self._service.rules.reorder_operator_rules(rule_ids)
        if done:
            self._backend.audit.record(actor, "rule_order", "rules", " ".join(map(str, rule_ids)))
        return done

    def move_rule_up(self, rule_id: int, *, actor: str) -> bool:
        """Try one rule before the one now tried just before it."""
        order = [stored.id for stored in self._service.rules.stored_rules()]
        if rule_id not in order or order.index(rule_id) == 0:
            return False
        at = order.index(rule_id)
        order[at - 1], order[at] = order[at], order[at - 1]
        return self.reorder_rules(order, actor=actor)

    def try_rules(self, diagnostic: str, reply_code: str | None, status: str | None) -> dict[str, Any]:
        """What a diagnostic is classified as with the stored rules and without them."""
        from bouncewarden.classify import classify
        from bouncewarden.parse import RecipientFinding

        stored = self._service.rules.stored_rules()
        finding = RecipientFinding(address="", diagnostic=diagnostic, reply_code=reply_code, status=status)
        built_in = classify(finding)
        verdict = classify(finding, [entry.rule for entry in stored])
        matched = next((entry for entry in stored if entry.rule == verdict.rule), None)
        return {
            "rule_id": matched.id if matched else None,
            "reason": verdict.reason.value,
            "severity": verdict.severity.value,
            "without_rules": {"reason": built_in.reason.value, "severity": built_in.severity.value},
        }

    def matching_rules(self, events: Sequence[Any]) -> dict[int, int]:
        """For stored events with a diagnostic: the id of the operator rule that decides it today."""
        from bouncewarden.classify import classify
        from bouncewarden.parse import RecipientFinding

        stored = self._service.rules.stored_rules()
        if not stored:
            return {}
        rules = [entry.rule for entry in stored]
        found: dict[int, int] = {}
        for event in events:
            if not event.diagnostic:
                continue
            finding = RecipientFinding(
                address="", diagnostic=event.diagnostic, reply_code=event.reply_code, status=event.status
            )
            verdict = classify(finding, rules)
            match = next(
                (entry.id for entry in stored if verdict.rule is not None and entry.rule == verdict.rule),
                None,
            )
            if match is not None:
                found[event.id] = match
        return found

    def ingest(self, data: bytes, *, origin: str) -> InputOutcome:
        """Read and record one raw input (a DSN, an SES JSON document): the intake, as every source."""
        [outcome] = self._service.intake.take([RawInput(data, origin, self._backend.clock(), SOURCE)])
        return outcome

    def record_events(self, events: Sequence[FeedbackEvent], raw: bytes, *, origin: str) -> InputOutcome:
        """Record events given in canonical form, with the request body as evidence (the recorder)."""
        return self._record(raw, origin, Feedback(ParsedReport((), "api"), tuple(events)))

    def refuse(self, raw: bytes, reason: str, *, origin: str) -> InputOutcome:
        """Keep a body that could not be read in quarantine, with the reason (the recorder)."""
        return self._record(raw, origin, Unreadable(reason))

    def _record(self, raw: bytes, origin: str, reading: Reading) -> InputOutcome:
        item = ReadInput.of(RawInput(raw, origin, self._backend.clock(), SOURCE), reading)
        [outcome] = self._service.recorder.record([item])
        return outcome

    def replay(self, quarantine_id: int, *, actor: str) -> InputOutcome | None:
        """Read a held quarantined input again with today's reader and rules; None if none is held."""
        from bouncewarden.sources.quarantine import replay

        entry = self._service.quarantine.entry(quarantine_id)
        if entry is None:
            return None
        done = list(
            replay(
                self._service.quarantine,
                self._service.intake,
                [entry],
                actor=actor,
                files=self._service.files,
            )
        )
        if not done:
            return None
        self._backend.audit.record(
            actor, "quarantine_replay", f"quarantine:{quarantine_id}", done[0].outcome.outcome
        )
        return done[0].outcome

    def drop(self, quarantine_id: int, *, note: str, actor: str) -> bool:
        """Mark a held quarantined input dropped, with the note."""
        from bouncewarden.store.quarantine import QuarantineState

        dropped = self._service.quarantine.resolve(
            [quarantine_id], QuarantineState.DROPPED, actor=actor, note=note
        )
        if dropped:
            self._backend.audit.record(actor, "quarantine_drop", f"quarantine:{quarantine_id}", note)
        return bool(dropped)

    def _audit(self, actor: str, action: str, changed: Sequence[str], note: str) -> None:
        if not changed:
            return
        target = changed[0] if len(changed) == 1 else f"{len(changed)} addresses"
        self._backend.audit.record(actor, action, target, note)


def canonical_event(values: dict[str, Any], now: datetime) -> FeedbackEvent:
    """A `FeedbackEvent` from validated canonical fields (severity and dedupe key filled in)."""
    reason = Reason(values["reason"])
    severity = values.get("severity") or default_severity(reason, values.get("feedback_type"))
    key = (
        values.get("dedupe_key")
        or "api:" + hashlib.sha256(json.dumps(values, sort_keys=True, default=str).encode()).hexdigest()
    )
    return FeedbackEvent(
        kind=Kind(values["kind"]),
        recipient=values["recipient"],
        severity=Severity(severity),
        reason=reason,
        dedupe_key=key,
        occurred_at=values["occurred_at"],
        source=SOURCE,
        status=values.get("status"),
        reply_code=values.get("reply_code"),
        diagnostic=values.get("diagnostic"),
        remote_mta=values.get("remote_mta"),
        reporting_mta=values.get("reporting_mta"),
        sender=values.get("sender"),
        message_id=values.get("message_id"),
        campaign=values.get("campaign"),
        feedback_type=values.get("feedback_type"),
        received_at=now,
        tags=dict(values.get("tags") or {}),
    )

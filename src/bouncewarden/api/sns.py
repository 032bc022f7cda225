"""`POST /sns/ses`: Amazon SES feedback delivered by an SNS HTTP(S) subscription.

Every body is verified first (`bouncewarden.sources.sns`); any refusal is answered the same
403 (the log says why) and nothing is stored. SNS does not retry 4xx answers, so the
retryable failures (the signing certificate could not be fetched, the database failed) are
answered 5xx instead.

- `Notification`: the whole envelope goes through the intake (`bouncewarden.intake`): read by
  the one reader, recorded with the envelope as evidence. A verified message that does not read
  is quarantined and answered 200, so SNS does not retry it for an hour; a database outage is
  answered 503, so SNS retries it later. SNS retries reuse the MessageId and the events' dedupe
  keys, so a retry records nothing new.
- `SubscriptionConfirmation`: confirmed through the SNS API for allow-listed topics only.
- `UnsubscribeConfirmation`: logged; we do not re-subscribe.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Annotated

import anyio.to_thread
from fastapi import APIRouter, Header, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel
from starlette.requests import ClientDisconnect

from bouncewarden.api.subscriptions import SubscriptionConfirmer
from bouncewarden.clock import Clock, system_clock
from bouncewarden.errors import SourceError, VerificationError
from bouncewarden.intake import Intake, Outcome, RawInput
from bouncewarden.sources.sns import CertificateUnavailable, MessageType, SnsEnvelope, SnsVerifier

__all__ = ["MAX_BODY_BYTES", "SnsEndpoint", "SnsReply", "sns_router"]

logger = logging.getLogger(__name__)

# SNS messages are at most 256 KiB; the envelope adds a few hundred bytes of metadata.
MAX_BODY_BYTES = 512 * 1024
_SOURCE = "sns"


class SnsReply(BaseModel):
    """What the endpoint answers (SNS only looks at the status code; people read the rest)."""

    status: str
    detail: str
    message_id: str | None = None
    new_events: int | None = None
    duplicates: int | None = None
    quarantine_id: int | None = None


_REFUSED = SnsReply(status="refused", detail="not a verified SNS delivery")
# Deliveries share the thread pool with other routes; they may use this many of its threads.
_SNS_THREADS = 16


class SnsEndpoint:
    """Verifies SNS deliveries and hands their content to the service."""

    def __init__(
        self,
        intake: Intake,
        verifier: SnsVerifier,
        confirmer: SubscriptionConfirmer,
        clock: Clock = system_clock,
    ) -> None:
        self._intake = intake
        self._clock = clock
        self._verifier = verifier
        self._confirmer = confirmer

    def handle(self, body: bytes, headers: Mapping[str, str]) -> tuple[int, SnsReply]:
        """The HTTP status and reply for one delivery (blocking: run it in a thread)."""
        try:
            envelope = self._verifier.verify(body, headers)
        except CertificateUnavailable as err:
            logger.warning("SNS delivery not verified yet, asking SNS to retry: %r", str(err))
            return 503, SnsReply(status="retry", detail=str(err))
        except VerificationError as err:
            # One answer for every refusal (the caller learns nothing about allow-listed
            # topics or our checks); the log says why, escaped.
            logger.warning("SNS delivery refused (%s): %r", type(err).__name__, str(err))
            return 403, _REFUSED
        if envelope.type is MessageType.NOTIFICATION:
            return self._notification(envelope, body)
        if envelope.type is MessageType.SUBSCRIPTION_CONFIRMATION:
            return self._subscription(envelope)
        logger.warning("SNS says the subscription to %r was deleted; not re-subscribing", envelope.topic_arn)
        return 200, SnsReply(
            status="unsubscribed",
            detail=f"unsubscribed from {envelope.topic_arn}",
            message_id=envelope.message_id,
        )

    def _notification(self, envelope: SnsEnvelope, body: bytes) -> tuple[int, SnsReply]:
        origin = f"SNS message {envelope.message_id} from {envelope.topic_arn}"
        [done] = self._intake.take([RawInput(body, origin, self._clock(), _SOURCE)])
        message_id = envelope.message_id
        if done.outcome is Outcome.STORE_UNAVAILABLE:
            logger.warning("%r not stored, SNS will retry: %r", origin, done.reason)
            return 503, SnsReply(status="retry", detail=done.reason or "", message_id=message_id)
        if done.outcome is Outcome.QUARANTINED or done.outcome is Outcome.NOT_FEEDBACK:
            logger.warning("quarantined %r: %r (id %s)", origin, done.reason, done.quarantine_id)
            return 200, SnsReply(
                status=done.outcome.value,
                detail=done.reason or "",
                message_id=message_id,
                quarantine_id=done.quarantine_id,
            )
        counts = done.counts
        logger.info("%r: %d new events, %d duplicates", origin, counts.new_events, counts.duplicates)
        return 200, SnsReply(
            status="recorded",
            detail=f"{counts.new_events} new events, {counts.duplicates} duplicates",
            message_id=message_id,
            new_events=counts.new_events,
            duplicates=counts.duplicates,
        )

    def _subscription(self, envelope: SnsEnvelope) -> tuple[int, SnsReply]:
        token = envelope.token or ""
        try:
            subscription_arn = self._confirmer.confirm(envelope.topic_arn, token)
        except SourceError as err:
            logger.error("could not confirm the SNS subscription to %r: %r", envelope.topic_arn, str(err))
            return 502, SnsReply(status="error", detail=str(err), message_id=envelope.message_id)
        logger.info("confirmed SNS subscription %r", subscription_arn)
        return 200, SnsReply(
            status="confirmed", detail=f"subscribed: {subscription_arn}", message_id=envelope.message_id
        )


async def _read_capped(request: Request, limit: int) -> bytes | None:
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            return None
    return bytes(body)


def sns_router(endpoint: SnsEndpoint) -> APIRouter:
    """The routes that receive SNS deliveries."""
    router = APIRouter(tags=["sns"])
    limiter = anyio.CapacityLimiter(_SNS_THREADS)

    @router.post("/sns/ses", response_model=SnsReply)
    async def receive_ses_feedback(
        request: Request,
        content_length: Annotated[int | None, Header()] = None,
    ) -> Response:
        """Receive one SNS delivery of SES feedback (body is JSON whatever the Content-Type)."""
        try:
            body = (
                None
                if (content_length or 0) > MAX_BODY_BYTES
                else await _read_capped(request, MAX_BODY_BYTES)
            )
        except ClientDisconnect:
            # Nothing was read whole, so nothing is kept; SNS sends the delivery again.
            logger.warning("SNS delivery from %r ended before its body was complete", request.client)
            return Response(status_code=400)
        if body is None:
            reply = SnsReply(status="refused", detail=f"body larger than {MAX_BODY_BYTES} bytes")
            return JSONResponse(reply.model_dump(exclude_none=True), status_code=413)
        try:
            status, reply = await anyio.to_thread.run_sync(
                endpoint.handle, body, dict(request.headers), limiter=limiter
            )
        except Exception:
            logger.exception("SNS delivery failed; SNS will retry it")
            status, reply = 500, SnsReply(status="error", detail="internal error; SNS will retry")
        return JSONResponse(reply.model_dump(exclude_none=True), status_code=status)

    return router

"""Sender health (DESIGN.md, Rates and alerts): what the counters say about each sender.

    providers   recipient domains grouped by the mailbox provider that receives them
    rates       bounce, complaint, soft and sender-side rates per sender over a rolling window
    thresholds  the configured levels each rate is judged against
    incidents   bursts of one sender-side refusal at one provider, one incident each
    alerts      raising, resolving and acknowledging alerts (with their notices)
    channels    delivering alert notices by email and to Slack-compatible webhooks
    webhook_*   outgoing webhooks: events, signing, delivery (`webhooks`), fed from the outbox
    metrics     the Prometheus text of `/metrics`

Modules are imported by name (`from bouncewarden.monitor.rates import sender_rates`); this
package imports none of them, so the store can use `providers` without a cycle.
"""

__all__: list[str] = []

"""Watching and telling: sender health (rates, thresholds, incidents, alerts), outgoing
webhooks and the Prometheus metrics, all fed from the outbox and the notices after commit."""

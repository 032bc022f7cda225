"""The HTTP side of bouncewarden: a FastAPI app built by `create_app`.

app.py            create_app(service, settings): wires the routes below
sns.py            POST /sns/ses: verified SNS deliveries of SES feedback
subscriptions.py  SNS ConfirmSubscription for verified confirmation requests
health.py         GET /healthz
"""

from __future__ import annotations

from bouncewarden.api.app import create_app

__all__ = ["create_app"]

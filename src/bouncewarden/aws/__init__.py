"""Amazon Web Services plumbing: clients, the `aws setup` and `aws status` commands' logic,
and the sync between bouncewarden's suppressions and the SES account-level suppression list.

Modules: `clients` (boto3 clients from settings), `setup` (SNS topic, SQS queue and DLQ, SES
notification wiring), `status` (quota and send statistics beside our own counts),
`suppression_sync` (SESv2 ListSuppressedDestinations / PutSuppressedDestination).
"""

__all__: list[str] = []

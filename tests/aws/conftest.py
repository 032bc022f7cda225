"""Fixtures for the AWS tests: a moto server for the session, and the fake for what moto lacks."""

from fake_ses import ses_fake
from fixtures_moto import aws_env, moto_endpoint

__all__ = ["aws_env", "moto_endpoint", "ses_fake"]

"""Notebooks written for buun-stack: ``from buunstack import SecretStore`` keeps working."""

from datastack_runtime.secretstore import SecretNotFoundError, SecretStore, SecretStoreError, TokenExpiredError

__all__ = ["SecretStore", "SecretStoreError", "TokenExpiredError", "SecretNotFoundError"]

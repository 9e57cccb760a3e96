"""Compatibility with seed 001's notebooks: ``from buunstack import SecretStore`` keeps working."""

from datastack_vault import SecretNotFoundError, SecretStore, SecretStoreError, TokenExpiredError

__all__ = ["SecretStore", "SecretStoreError", "TokenExpiredError", "SecretNotFoundError"]

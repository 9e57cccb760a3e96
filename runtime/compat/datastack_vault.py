"""Notebooks: ``from datastack_vault import SecretStore`` (the class lives in datastack_runtime.secretstore)."""

from datastack_runtime.secretstore import SecretNotFoundError, SecretStore, SecretStoreError, TokenExpiredError

__all__ = ["SecretStore", "SecretStoreError", "TokenExpiredError", "SecretNotFoundError"]

"""The worker's jobs: each owns its transactions (services only flush)."""

from klientura.worker.outbox import deliver

__all__ = ["deliver"]

"""The worker's jobs: each owns its transactions (services only flush)."""

from klientura.worker.outbox import deliver, launch_due

__all__ = ["deliver", "launch_due"]

"""The worker's jobs: each owns its transactions (services only flush)."""

from klientura.worker.outbox import deliver, launch_due, trigger_scenarios

__all__ = ["deliver", "launch_due", "trigger_scenarios"]

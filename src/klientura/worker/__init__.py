"""The worker's jobs: each owns its transactions (services only flush)."""

from klientura.worker.inbox import escalate_late
from klientura.worker.outbox import deliver, launch_due, trigger_scenarios
from klientura.worker.reminders import remind

__all__ = ["deliver", "escalate_late", "launch_due", "remind", "trigger_scenarios"]

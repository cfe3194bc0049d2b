"""The worker's jobs: each owns its transactions (services only flush)."""

from klientura.worker.inbox import escalate_late
from klientura.worker.outbox import deliver, launch_due, trigger_scenarios
from klientura.worker.reminders import remind
from klientura.worker.telegram_poll import PollRefused, poll_once

__all__ = ["PollRefused", "deliver", "escalate_late", "launch_due", "poll_once", "remind", "trigger_scenarios"]

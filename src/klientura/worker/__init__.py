"""The worker's jobs: each owns its transactions (services only flush)."""

from klientura.worker.inbox import account_channels, bot_token, escalate_late
from klientura.worker.mail_poll import MailboxSettings, Round, connect, follow, read_round
from klientura.worker.outbox import deliver, launch_due, trigger_scenarios
from klientura.worker.reminders import remind
from klientura.worker.telegram_poll import PollRefused, poll_once

__all__ = [
    "MailboxSettings",
    "PollRefused",
    "Round",
    "account_channels",
    "bot_token",
    "connect",
    "deliver",
    "escalate_late",
    "follow",
    "launch_due",
    "poll_once",
    "read_round",
    "remind",
    "trigger_scenarios",
]

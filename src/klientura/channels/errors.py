"""Channels: the codes of a configuration that cannot send."""

from __future__ import annotations

from klientura.kit.errors import code
from klientura.kit.i18n import N_

UNKNOWN_SMS_PROVIDER = code("channel.sms.provider", N_("KLIENTURA_SMS_PROVIDER: smsru or smsc, not '%(value)s'"))

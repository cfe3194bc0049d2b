"""Duplicate cards: the codes of refused scans, merges and undos."""

from __future__ import annotations

from klientura.kit.errors import code
from klientura.kit.i18n import N_

BAD_THRESHOLD = code("dedup.threshold", N_("threshold must be in [0.5, 1)"))
SAME_CARD = code("dedup.pair.same_card", N_("a pair needs two different cards, not %(id)s twice"))
NO_MODEL = code("dedup.no_model", N_("no duplicate model has been learned from this base yet: scan the base first"))
NO_SCAN_REQUEST = code("dedup.scan_request.not_found", N_("no duplicate scan %(id)s was asked for"))
CARDS_INACTIVE = code("dedup.cards_inactive", N_("both cards must exist and be active"))

# why two cards look like one person (notices: the pages translate them, the API shows the English text)
COMMON_NAME = code("dedup.reason.common_name", N_("a common name: %(cards)s cards carry it"))
NAMES_MATCH = code("dedup.reason.names_match", N_("names match (%(a)s ~ %(b)s)"))
NAMES_SIMILAR = code("dedup.reason.names_similar", N_("names %(share)s similar (%(a)s ~ %(b)s)"))
SAME_BIRTH_DATE = code("dedup.reason.same_birth_date", N_("same birth date %(day)s"))
BIRTH_DATE_TYPO = code("dedup.reason.birth_date_typo", N_("birth dates differ by one typo"))
BIRTH_DATES_DIFFER = code("dedup.reason.birth_dates_differ", N_("different birth dates"))
PHONE_DIGIT = code("dedup.reason.phone_digit", N_("phones differ by one digit"))
SAME_MAILBOX = code("dedup.reason.same_mailbox", N_("same mailbox name %(name)s@ on %(a)s and %(b)s"))
EMAIL_CHARACTER = code("dedup.reason.email_character", N_("e-mails differ by one character (%(a)s ~ %(b)s)"))
GENDERS_DIFFER = code("dedup.reason.genders_differ", N_("different genders"))
PATRONYMICS_DIFFER = code("dedup.reason.patronymics_differ", N_("different patronymics"))
CITIES_DIFFER = code("dedup.reason.cities_differ", N_("different cities (%(a)s, %(b)s)"))

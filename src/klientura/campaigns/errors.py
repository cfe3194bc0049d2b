"""Campaigns and scenarios: the codes of refused drafts, launches, templates, links and receipts."""

from __future__ import annotations

from klientura.kit.errors import Code, ValidationFailed, code
from klientura.kit.i18n import N_

SAME_VARIANT_NAMES = code("campaign.variants.same_names", N_("variants need different names"))
QUIET_HOURS_HALF = code("campaign.quiet_hours.half", N_("quiet hours need both ends, or neither"))
QUIET_HOURS_EMPTY = code("campaign.quiet_hours.empty", N_("quiet hours cannot start and end at the same time"))
NAIVE_SCHEDULE = code("campaign.scheduled_at.naive", N_("scheduled_at needs a time zone"))
NO_SCENARIO = code("scenario.not_found", N_("no scenario '%(value)s'; there are %(allowed)s"))
NOT_LAUNCHED = code(
    "campaign.report.not_launched", N_("campaign %(id)s has not been launched: there is nothing to report yet")
)
NEVER_RAN = code("scenario.report.never_ran", N_("scenario %(value)s has never run: there is nothing to report yet"))
EMAIL_WITHOUT_SUBJECT = code("campaign.email.no_subject", N_("an e-mail needs a subject in every variant"))
CAMPAIGN_NOT_FOUND = code("campaign.not_found", N_("campaign %(id)s not found"))
NOT_CHANGEABLE = code(
    "campaign.not_changeable", N_("campaign %(id)s is %(status)s: it can no longer be changed"), words=("status",)
)
NOT_LAUNCHABLE = code(
    "campaign.not_launchable", N_("campaign %(id)s is %(status)s: it cannot be launched"), words=("status",)
)
NOBODY_TO_SEND_TO = code("campaign.segment.empty", N_("the segment has no members: nobody to send to"))
NO_RECIPIENT = code("campaign.preview.no_customer", N_("no customer %(id)s (or the card was merged into another)"))
NO_VARIANT = code("campaign.variant.not_found", N_("no variant '%(value)s'; the variants are %(allowed)s"))
UNKNOWN_CHANNEL = code("campaign.channel.unknown", N_("unknown channel '%(value)s'"))
TEST_WITHOUT_ADDRESS = code("campaign.test.no_address", N_("a test send needs an address"))
TEST_BAD_ADDRESS = code("campaign.test.bad_address", N_("'%(value)s' is not an address of the %(channel)s channel"))
SUBJECT_ONE_LINE = code("campaign.subject.line_break", N_("a subject is one line: it cannot hold a line break"))
LINK_DAMAGED = code("link.damaged", N_("this link is damaged"))
LINK_FOREIGN = code("link.foreign", N_("this link is not ours"))
LINK_OTHER_PROVIDER = code("link.other_provider", N_("this link is not for this provider"))
RECEIPT_SHAPE = code("receipt.shape", N_('each receipt needs "provider_id" and "status": delivered, failed or read'))
RECEIPT_NOT_JSON = code("receipt.not_json", N_("the body is not JSON"))
HOOK_FOREIGN = code("hook.foreign", N_("this address is not one of the provider's live delivery addresses"))
HOOK_SIGNATURE = code(
    "hook.signature", N_("the request is not signed: X-Klientura-Timestamp and X-Klientura-Signature are needed")
)
HOOK_STALE = code("hook.stale", N_("the request was signed more than %(seconds)s seconds from now: a replay?"))
UNKNOWN_PROVIDER = code("receipt.unknown_provider", N_("unknown provider '%(value)s': smsru, smsc or generic"))

PARTS = {"subject": N_("subject"), "text": N_("text"), "html": N_("HTML")}  # a message's parts, as said to people
# a template that cannot be rendered, alone and as a variant's part (``part``: subject, text or HTML)
TEMPLATE_SYNTAX = code("template.syntax", N_("template, line %(line)s: %(why)s"))
TEMPLATE_UNDEFINED = code("template.undefined", N_("template: '%(name)s' is undefined; the fields are %(fields)s"))
TEMPLATE_FORBIDDEN = code("template.forbidden", N_("template: not allowed (%(why)s)"))
TEMPLATE_FAILS = code("template.fails", N_("template: %(why)s"))
TEMPLATE_TOO_LONG = code(
    "template.too_long", N_("template: runs too long (over %(steps)s loop steps or %(seconds)s s for one message)")
)
TEMPLATE_TOO_BIG = code("template.too_big", N_("template: the message would be over %(limit)s characters"))
IN_VARIANT: dict[Code, Code] = {
    TEMPLATE_SYNTAX: code(
        "variant.template.syntax",
        N_("variant %(variant)s, %(part)s: template, line %(line)s: %(why)s"),
        words=("part",),
        placed=True,
    ),
    TEMPLATE_UNDEFINED: code(
        "variant.template.undefined",
        N_("variant %(variant)s, %(part)s: template: '%(name)s' is undefined; the fields are %(fields)s"),
        words=("part",),
        placed=True,
    ),
    TEMPLATE_FORBIDDEN: code(
        "variant.template.forbidden",
        N_("variant %(variant)s, %(part)s: template: not allowed (%(why)s)"),
        words=("part",),
        placed=True,
    ),
    TEMPLATE_FAILS: code(
        "variant.template.fails", N_("variant %(variant)s, %(part)s: template: %(why)s"), words=("part",), placed=True
    ),
    TEMPLATE_TOO_LONG: code(
        "variant.template.too_long",
        N_(
            "variant %(variant)s, %(part)s: template: runs too long"
            " (over %(steps)s loop steps or %(seconds)s s for one message)"
        ),
        words=("part",),
        placed=True,
    ),
    TEMPLATE_TOO_BIG: code(
        "variant.template.too_big",
        N_("variant %(variant)s, %(part)s: template: the message would be over %(limit)s characters"),
        words=("part",),
        placed=True,
    ),
}


def in_variant(exc: ValidationFailed, variant: str, part: str) -> ValidationFailed:
    """A template's refusal, said of a variant's part (subject, text or HTML)."""
    if exc.code in IN_VARIANT:
        return ValidationFailed(
            IN_VARIANT[exc.code],
            field=f"variants.{variant}.{part}",
            variant=variant,
            part=PARTS.get(part, part),
            **exc.params,
        )
    return ValidationFailed(f"variant {variant}, {part}: {exc.detail}")


NO_PUBLIC_URL = code(
    "campaign.links.no_public_url", N_("a campaign's message needs the links back to us (KLIENTURA_PUBLIC_URL)")
)


# Why a customer gets no message: a closed vocabulary (each phrase is its own message id, so a page translates a
# stored reason word for word, without patterns); several are joined by "; ".
NO_ADDRESS = {
    "email": N_("no email address"),
    "sms": N_("no sms address"),
    "telegram": N_("no telegram address"),
    "webhook": N_("no webhook address"),
    "push": N_("no push address"),
    "whatsapp": N_("no whatsapp address"),
    "vk": N_("no vk address"),
    "phone": N_("no phone address"),
}
NO_CONSENT = {
    "email": N_("no consent to email"),
    "sms": N_("no consent to sms"),
    "telegram": N_("no consent to telegram"),
    "webhook": N_("no consent to webhook"),
    "push": N_("no consent to push"),
    "whatsapp": N_("no consent to whatsapp"),
    "vk": N_("no consent to vk"),
    "phone": N_("no consent to phone"),
}
BOUNCED = {
    "email": N_("the email address bounced"),
    "sms": N_("the sms address bounced"),
    "telegram": N_("the telegram address bounced"),
    "webhook": N_("the webhook address bounced"),
    "push": N_("the push address bounced"),
    "whatsapp": N_("the whatsapp address bounced"),
    "vk": N_("the vk address bounced"),
    "phone": N_("the phone address bounced"),
}
NO_CHANNEL = N_("no channel")
GLOBAL_CONTROL = N_("global control group")
CAPPED = N_("frequency cap")
HELD_OUT = N_("held out (control group)")
MERGED_AWAY = N_("the card was merged into another")
SKIP_REASONS = frozenset(
    {
        *NO_ADDRESS.values(),
        *NO_CONSENT.values(),
        *BOUNCED.values(),
        NO_CHANNEL,
        GLOBAL_CONTROL,
        CAPPED,
        HELD_OUT,
        MERGED_AWAY,
    }
)

"""The conversations domain's codes of refusals."""

from __future__ import annotations

from klientura.kit.errors import code
from klientura.kit.i18n import N_

FORM_NOT_FOUND = code("form.not_found", N_("form %(id)s not found"))
FORM_FIELD_REPEATS = code("form.field.repeats", N_("two fields are named '%(value)s'"))
FORM_NO_IDENTITY = code("form.no_identity", N_("a form needs a phone or an e-mail field to know who wrote"))
FORM_REQUIRED = code("form.required", N_("'%(field)s' is required"))
FORM_INVALID = code("form.invalid", N_("'%(field)s': %(value)s is not valid"))
FORM_CONSENT_NEEDED = code("form.consent_needed", N_("the consent box must be ticked to send this form"))
FORM_TOO_FAST = code("form.too_fast", N_("the form was sent too fast; please try again"))
FORM_STALE = code("form.stale", N_("the page was open too long; reload it and send again"))
FORM_UNKNOWN_FIELD = code("form.field.unknown", N_("'%(field)s' is not a field of this form"))
CONVERSATION_NOT_FOUND = code("conversation.not_found", N_("conversation %(id)s not found"))
CONVERSATION_NO_CHANNEL = code(
    "conversation.no_channel", N_("this conversation came by %(channel)s: there is no way to reply through it")
)
HOOK_SECRET = code("hook.secret", N_("the webhook's secret token is missing or wrong"))
HOOK_OFF = code("hook.off", N_("this channel is not configured"))
ASSIGNEE_UNKNOWN = code(
    "conversation.assignee_unknown", N_("user %(id)s cannot take conversations (unknown, deactivated or not in sales)")
)
CALL_INVALID = code("call.invalid", N_("the call's '%(field)s' is missing or not valid"))
CONVERSATION_FILE_NOT_FOUND = code("conversation.file_not_found", N_("file %(id)s of this message not found"))
SURVEY_SCORE = code("survey.score", N_("choose a score from %(low)s to %(high)s"))
SURVEY_LINK = code("survey.link", N_("this survey link is not valid"))
BOT_RULE_EMPTY = code("bot.rule_empty", N_("a rule needs at least one keyword and an answer"))
BOT_RULE_NOT_FOUND = code("bot.rule_not_found", N_("bot rule %(id)s not found"))
REPLY_FILES = code("conversation.files", N_("an answer takes at most %(files)s files and %(limit)s MB in all"))
QUICK_EMPTY = code("quick_reply.empty", N_("a quick reply needs a title and a text"))
QUICK_NOT_FOUND = code("quick_reply.not_found", N_("quick reply %(id)s not found"))
REPLY_FILE_BASE64 = code("conversation.file_base64", N_("a file's content must be base64"))
ACCOUNT_FIELDS = code(
    "channel_account.fields",
    N_("a bot needs a name and its token; a VK community also its secret key and confirmation"),
)
ACCOUNT_NOT_FOUND = code("channel_account.not_found", N_("bot or community %(id)s not found"))
REPLY_NO_FILES = code("conversation.no_files", N_("files cannot be sent by %(channel)s: answer in words or by e-mail"))

"""Conversations: every request from a form, a messenger, a mailbox or a call lands on the person's one card and in
their conversation over that channel, reaches a manager, and is answered through the channel it came by."""

from klientura.conversations.bot import quick_replies
from klientura.conversations.calls import Call, read_generic, read_zadarma, record_call, zadarma_signature
from klientura.conversations.errors import HOOK_OFF, HOOK_SECRET
from klientura.conversations.fast_receive import fast_receive
from klientura.conversations.forms import (
    CONSENT,
    HONEYPOT,
    TIMING,
    Sent,
    create_form,
    form_by_key,
    is_bot,
    list_forms,
    submit,
    timing_token,
)
from klientura.conversations.inbox import Box, Counts, assign, close, counts, inbox, mark_read
from klientura.conversations.keeping import conversations_of, erase_conversations, surveys_of
from klientura.conversations.mail import Bounce, Mail, read_mail
from klientura.conversations.mailbox import Place, mailbox_moved, mailbox_place, mailbox_polled, message_file, take_mail
from klientura.conversations.models import Conversation, Form, Mailbox, Message, SurveyAnswer
from klientura.conversations.schemas import (
    AssignIn,
    ConversationPage,
    ConversationRead,
    FormField,
    FormIn,
    FormRead,
    Inbound,
    MessageRead,
    ReplyIn,
    Submitted,
)
from klientura.conversations.service import (
    MAX_FILES_MB,
    decoded,
    get_conversation,
    list_conversations,
    messages_of,
    receive,
    reply,
    reply_route,
)
from klientura.conversations.sla import Sla, escalate, sla_of, urgency
from klientura.conversations.surveys import SCALE, Ask, ScoreRow, answer, ask, score_of, survey_report
from klientura.conversations.telegram import read_update
from klientura.conversations.timeline import timeline_entries
from klientura.conversations.vk import read_event, read_permission, vk_permission
from klientura.sales import Fallback

__all__ = [
    "CONSENT",
    "HONEYPOT",
    "HOOK_OFF",
    "HOOK_SECRET",
    "MAX_FILES_MB",
    "SCALE",
    "TIMING",
    "Ask",
    "AssignIn",
    "Bounce",
    "Box",
    "Call",
    "Conversation",
    "ConversationPage",
    "ConversationRead",
    "Counts",
    "Fallback",
    "Form",
    "FormField",
    "FormIn",
    "FormRead",
    "Inbound",
    "Mail",
    "Mailbox",
    "Message",
    "MessageRead",
    "Place",
    "ReplyIn",
    "ScoreRow",
    "Sent",
    "Sla",
    "Submitted",
    "SurveyAnswer",
    "answer",
    "ask",
    "assign",
    "close",
    "conversations_of",
    "counts",
    "create_form",
    "decoded",
    "erase_conversations",
    "escalate",
    "fast_receive",
    "form_by_key",
    "get_conversation",
    "inbox",
    "is_bot",
    "list_conversations",
    "list_forms",
    "mailbox_moved",
    "mailbox_place",
    "mailbox_polled",
    "mark_read",
    "message_file",
    "messages_of",
    "quick_replies",
    "read_event",
    "read_generic",
    "read_mail",
    "read_permission",
    "read_update",
    "read_zadarma",
    "receive",
    "record_call",
    "reply",
    "reply_route",
    "score_of",
    "sla_of",
    "submit",
    "survey_report",
    "surveys_of",
    "take_mail",
    "timeline_entries",
    "timing_token",
    "urgency",
    "vk_permission",
    "zadarma_signature",
]

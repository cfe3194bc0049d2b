"""The rule-based bot of Telegram and VK (no outside AI service): a new conversation starts with the bot when it is
on for the channel. It answers a message by the first rule whose keyword the message holds; asks a person whose
card has no phone for their number (once) and adds a number they send to their card; and hands the conversation
to a person — the manager it is routed to — when asked ("оператор", "менеджер", …) or when no rule answers. From
then on it is quiet in that conversation, and the wait for a person's answer (the first-response clock) starts.
While the bot answers, the conversation does not wait for a manager."""

from __future__ import annotations

import re
from dataclasses import dataclass

import phonenumbers
from sqlalchemy import delete, select

from klientura import customers
from klientura.audit import Actor, record
from klientura.auth import require
from klientura.conversations.errors import BOT_RULE_EMPTY, BOT_RULE_NOT_FOUND, QUICK_EMPTY, QUICK_NOT_FOUND
from klientura.conversations.models import Bot, BotRule, Conversation, QuickReply
from klientura.db import Session, utcnow
from klientura.kit.errors import NotFound, ValidationFailed

CHANNELS = ("telegram", "vk")
HANDOVER_WORDS = ["оператор", "менеджер", "человек", "живой", "operator", "manager", "human"]
HANDOVER_TEXT = "Передаю ваш вопрос менеджеру — он ответит здесь же."
PHONE_TEXT = "Чтобы мы вас узнали, пришлите, пожалуйста, ваш номер телефона."
THANKS_TEXT = "Спасибо, номер записали."
_WORD = re.compile(r"[\w-]+", re.UNICODE)


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower().replace("ё", "е"))


def matches(keyword: str, said: list[str]) -> bool:
    """A keyword (one word or a phrase) matches when its words begin consecutive words of the message."""
    wanted = words(keyword)
    if not wanted:
        return False
    return any(all(said[i + j].startswith(w) for j, w in enumerate(wanted)) for i in range(len(said) - len(wanted) + 1))


@dataclass(frozen=True)
class Turn:
    """What the bot does with one message: its answer (None: it says nothing), and whether it hands over."""

    text: str | None
    handover: bool = False
    phone: str | None = None  # a number found in the message, for the card
    asked: bool = False  # the answer asks for their phone


def bot_of(session: Session, channel: str) -> Bot | None:
    """The channel's bot when it is on."""
    bot = session.get(Bot, channel)
    return bot if bot is not None and bot.enabled else None


def turn(session: Session, bot: Bot, talk: Conversation, text: str, *, region: str, has_phone: bool) -> Turn:
    said = words(text)
    phone = _phone(text, region)
    if any(matches(w, said) for w in (bot.handover_words or HANDOVER_WORDS)):
        return Turn(bot.handover_text or HANDOVER_TEXT, handover=True, phone=phone)
    if phone is not None and not has_phone:
        return Turn(THANKS_TEXT, phone=phone)
    rules = session.scalars(
        select(BotRule).where(BotRule.channel.in_((bot.channel, "*"))).order_by(BotRule.position, BotRule.id)
    )
    for rule in rules:
        if any(matches(k, said) for k in rule.keywords):
            answer = rule.answer
            if bot.ask_phone and not has_phone and talk.bot_state != "asked":  # once per conversation
                return Turn(f"{answer}\n\n{bot.phone_text or PHONE_TEXT}", phone=phone, asked=True)
            return Turn(answer, phone=phone)
    return Turn(bot.handover_text or HANDOVER_TEXT, handover=True, phone=phone)  # nothing to say: a person will


def _phone(text: str, region: str) -> str | None:
    for found in phonenumbers.PhoneNumberMatcher(text, region):
        return phonenumbers.format_number(found.number, phonenumbers.PhoneNumberFormat.E164)
    return None


def has_phone(session: Session, customer_id: int) -> bool:
    found = select(customers.Identity.id).where(
        customers.Identity.customer_id == customer_id, customers.Identity.kind == "phone"
    )
    return session.scalars(found.limit(1)).first() is not None


# the bot's settings and rules, for the inbox's bot page


def set_bot(
    session: Session,
    actor: Actor,
    channel: str,
    *,
    enabled: bool,
    ask_phone: bool,
    handover_words: list[str],
    handover_text: str,
    phone_text: str,
) -> Bot:
    require(actor, "users:admin")
    bot = session.get(Bot, channel) or Bot(channel=channel)
    bot.enabled, bot.ask_phone = enabled, ask_phone
    bot.handover_words = [w.strip()[:100] for w in handover_words if w.strip()][:50]
    bot.handover_text, bot.phone_text = handover_text.strip()[:1000], phone_text.strip()[:1000]
    bot.updated_at, bot.updated_by = utcnow(), actor.name[:200]
    session.add(bot)
    session.flush()
    record(session, actor, "bot.set", "bot", None, None, {"channel": channel, "enabled": enabled})
    return bot


def bots(session: Session, actor: Actor) -> dict[str, Bot | None]:
    require(actor, "sales:read")
    have = {b.channel: b for b in session.scalars(select(Bot))}
    return {c: have.get(c) for c in CHANNELS}


def bot_rules(session: Session, actor: Actor) -> list[BotRule]:
    require(actor, "sales:read")
    return list(session.scalars(select(BotRule).order_by(BotRule.position, BotRule.id)))


def add_rule(session: Session, actor: Actor, channel: str, keywords: list[str], answer: str) -> BotRule:
    require(actor, "users:admin")
    keys = [k.strip()[:100] for k in keywords if words(k)][:30]
    if not keys or not answer.strip():
        raise ValidationFailed(BOT_RULE_EMPTY, field="keywords" if not keys else "answer")
    last = session.scalars(select(BotRule.position).order_by(BotRule.position.desc())).first() or 0
    rule = BotRule(channel=channel, keywords=keys, answer=answer.strip()[:4000], position=last + 1)
    session.add(rule)
    session.flush()
    record(session, actor, "bot.rule_add", "bot_rule", rule.id, None, {"keywords": keys})
    return rule


def remove_rule(session: Session, actor: Actor, rule_id: int) -> None:
    require(actor, "users:admin")
    if session.get(BotRule, rule_id) is None:
        raise NotFound(BOT_RULE_NOT_FOUND, id=rule_id)
    session.execute(delete(BotRule).where(BotRule.id == rule_id))
    record(session, actor, "bot.rule_remove", "bot_rule", rule_id, None, None)


# quick replies: ready answers for the reply box


def quick_replies(session: Session, actor: Actor, first_name: str | None = None) -> list[tuple[int, str, str]]:
    """(id, title, text) of the ready answers, ``{{ name }}`` filled with ``first_name`` (or left out)."""
    require(actor, "sales:read")
    rows = session.scalars(select(QuickReply).order_by(QuickReply.title, QuickReply.id))
    return [(q.id, q.title, _named(q.text, first_name)) for q in rows]


def _named(text: str, first_name: str | None) -> str:
    filled = re.sub(r"\{\{\s*name\s*\}\}", first_name or "", text)
    return re.sub(r"^\s*,\s*", "", filled) if not first_name else filled  # "{{ name }}, добрый день" → "добрый день"


def add_quick_reply(session: Session, actor: Actor, title: str, text: str) -> QuickReply:
    require(actor, "users:admin")
    if not title.strip() or not text.strip():
        raise ValidationFailed(QUICK_EMPTY, field="title" if not title.strip() else "text")
    row = QuickReply(title=" ".join(title.split())[:100], text=text.strip()[:4000], created_by=actor.name[:200])
    session.add(row)
    session.flush()
    record(session, actor, "quick_reply.add", "quick_reply", row.id, None, {"title": row.title})
    return row


def remove_quick_reply(session: Session, actor: Actor, quick_id: int) -> None:
    require(actor, "users:admin")
    if session.get(QuickReply, quick_id) is None:
        raise NotFound(QUICK_NOT_FOUND, id=quick_id)
    session.execute(delete(QuickReply).where(QuickReply.id == quick_id))
    record(session, actor, "quick_reply.remove", "quick_reply", quick_id, None, None)

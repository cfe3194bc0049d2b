"""The demo's inbox: two weeks of requests by Telegram, VK, the site's form, e-mail and the phone — from people
already in the base (they land on their cards) and from new ones — routed by the repeat-request rule, most answered
by the managers through the channel they came by, some closed, the latest still waiting (a few past their time);
the Telegram bot on with a few rules (it answers what they cover and hands the rest over), quick replies ready."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from sqlalchemy import select, update

from klientura import conversations, customers
from klientura.audit import SYSTEM
from klientura.auth import User, actor_for_user, get_user
from klientura.campaigns import OutboxMessage
from klientura.conversations import bot as bots
from klientura.db import Session
from klientura.demo.names import FEMALE, MALE, SURNAMES_M, female_surname
from klientura.kit.clock import fixed_clock
from klientura.kit.errors import KlienturaError
from klientura.kit.shop import Shop

ASKS = [
    "Здравствуйте! Есть ли улун в наличии?",
    "Какая цена на пуэр от 5 кг?",
    "Можно заказать доставку в Казань?",
    "Пришлите, пожалуйста, прайс для опта",
    "Когда будет поставка зелёного чая?",
    "Нужен подарочный набор на 20 человек",
    "Можно оплатить по счёту от юрлица?",
    "Не пришёл заказ, подскажите, что с ним",
]
ANSWERS = [
    "Здравствуйте! Да, есть — сейчас пришлю подборку.",
    "Добрый день! Отправил прайс, посмотрите, пожалуйста.",
    "Да, доставляем по всей России, срок 3–5 дней.",
    "Спасибо за обращение! Уточню у склада и напишу в течение часа.",
]


def _person(rng: random.Random) -> dict[str, str]:
    female = rng.random() < 0.5
    first = rng.choice(FEMALE if female else MALE)
    last = rng.choice(SURNAMES_M)
    return {"first_name": first, "last_name": female_surname(last) if female else last}


_LATIN = dict(zip("абвгдеёжзийклмнопрстуфхцчшщъыьэюя", ("a", "b", "v", "g", "d", "e", "e", "zh", "z", "i", "i", "k",
                 "l", "m", "n", "o", "p", "r", "s", "t", "u", "f", "h", "c", "ch", "sh", "sch", "", "y", "", "e", "yu",
                 "ya"), strict=True))  # fmt: skip


def _latin(name: str) -> str:
    return "".join(_LATIN.get(c, c) for c in name.lower()) or "client"


RULES = [
    (
        ["доставк", "привез"],
        "Доставляем по всей России за 3–5 дней, по Москве — на следующий день. Бесплатно от 3 000 ₽.",
    ),
    (["часы работы", "когда открыт", "до скольки"], "Магазины открыты каждый день с 10:00 до 21:00."),
    (["оплат", "счёт", "счет"], "Можно оплатить картой на сайте, по СБП или по счёту для юрлиц."),
]
QUICK = [
    ("Приветствие", "{{ name }}, здравствуйте! Спасибо, что написали — сейчас всё узнаю."),
    ("Прайс", "{{ name }}, отправил прайс — посмотрите, пожалуйста, и напишите, что заинтересовало."),
    ("Доставка", "Доставим завтра с 10 до 18; курьер позвонит за час."),
]


def _bot(session: Session) -> None:
    """The Telegram bot on, with a few rules; the managers' quick replies."""
    bots.set_bot(session, SYSTEM, "telegram", enabled=True, ask_phone=True, handover_words=[], handover_text="",
                 phone_text="")  # fmt: skip
    for keywords, answer in RULES:
        bots.add_rule(session, SYSTEM, "*", keywords, answer)
    for title, text in QUICK:
        bots.add_quick_reply(session, SYSTEM, title, text)


def _shop(shop: Shop, at: datetime) -> Shop:
    return Shop(shop.region, shop.timezone, shop.currency, fixed_clock(at))


def inbox(
    session: Session, rng: random.Random, shop: Shop, sla: conversations.Sla, *, count: int = 300
) -> dict[str, int]:
    """``count`` requests over the two weeks before the shop's now; what was made."""
    now = shop.now()
    known = list(
        session.execute(
            select(customers.Identity.kind, customers.Identity.value)
            .where(customers.Identity.kind.in_(("phone", "email")))
            .order_by(customers.Identity.id)
            .limit(5000)
        )
    )
    managers = list(session.scalars(select(User.id).where(User.role == "manager", User.is_active).order_by(User.id)))
    demo_manager = session.scalar(select(User.id).where(User.email == "manager@klientura.local"))
    made = {"conversations": 0, "answered": 0, "closed": 0}
    _bot(session)
    for n in range(count):
        at = (
            now - timedelta(minutes=rng.randint(5, 14 * 24 * 60))
            if n < count - 12
            else now - timedelta(minutes=rng.randint(2, 90))
        )
        channel = rng.choices(("telegram", "vk", "form", "call", "email"), weights=(36, 18, 22, 14, 10))[0]
        text = rng.choice(ASKS)
        person = _person(rng)
        if channel == "telegram":
            chat = str(700_000_000 + rng.randint(1, count * 2))
            inbound = conversations.Inbound(channel="telegram", peer=chat, provider_id=f"demo-{n}", text=text,
                                            identities={"telegram": chat, **person}, lead_channel="message")  # fmt: skip
        elif channel == "vk":
            user = str(500_000 + rng.randint(1, count * 2))
            inbound = conversations.Inbound(channel="vk", peer=user, provider_id=f"demo-{n}", text=text,
                                            identities={"vk": user, **person}, lead_channel="message")  # fmt: skip
        elif channel == "email":
            address = f"{_latin(person['first_name'])}.{n}@example.ru"
            inbound = conversations.Inbound(channel="email", peer=address, provider_id=f"<demo-{n}@example.ru>",
                                            text=text, identities={"email": address, **person}, lead_channel="email",
                                            subject=text[:60], data={"mailbox": "shop@klientura.local",
                                                                     "message_id": f"<demo-{n}@example.ru>"})  # fmt: skip
        else:
            kind, value = (
                rng.choice(known)
                if known and rng.random() < 0.6
                else ("phone", f"+7926{rng.randint(0, 9_999_999):07d}")
            )
            if channel == "call":
                call = conversations.Call(provider="generic", call_id=f"demo-{n}", direction="in", phone=value,
                                          answered=False, duration=0) if kind == "phone" else None  # fmt: skip
                if call is None:
                    continue
                conversations.record_call(session, _shop(shop, at), call, repeat_days=180, sla=sla)
                made["conversations"] += 1
                continue
            inbound = conversations.Inbound(channel="form", peer=value, provider_id=None, text=text,
                                            identities={kind: value}, lead_channel="form", subject="Заявка с сайта",
                                            utm={"source": rng.choice(("yandex", "google", "vk", "direct"))})  # fmt: skip
        talk, _message, _outcome = conversations.receive(
            session, _shop(shop, at), inbound, repeat_days=180, route_every=channel == "form", sla=sla
        )
        made["conversations"] += 1
        fresh = now - at < timedelta(hours=2)
        if fresh and talk.assignee_id is None and demo_manager is not None and rng.random() < 0.6:
            conversations.assign(session, SYSTEM, talk.id, demo_manager)  # the demo's manager has requests waiting
        if fresh or rng.random() < 0.15:
            continue  # still waiting for an answer
        if talk.assignee_id is None and managers:  # someone new: the head hands the conversation out
            conversations.assign(session, SYSTEM, talk.id, rng.choice(managers))
        manager = get_user(session, talk.assignee_id) if talk.assignee_id is not None else None
        if manager is None:
            continue
        answered = at + timedelta(minutes=rng.choice((3, 8, 15, 40, 180)))
        try:
            conversations.reply(session, actor_for_user(manager), talk.id, rng.choice(ANSWERS), answered)
        except KlienturaError:
            continue  # a form that gave only a phone: the manager called
        made["answered"] += 1
        if rng.random() < 0.5:
            conversations.close(session, actor_for_user(manager), talk.id, answered + timedelta(minutes=30))
            made["closed"] += 1
    # the demo has no provider to deliver through: the answers are shown as they would be, sent
    session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.source.like("conversation:%"), OutboxMessage.status == "queued")
        .values(status="sent", attempts=1)
    )
    return made

"""Demo customers: Russian names, phones, e-mails, cards; and planted duplicates with typos."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from klientura.demo.names import (
    CITIES,
    FEMALE,
    MAIL_DOMAINS,
    MALE,
    SURNAMES_INVARIANT,
    SURNAMES_M,
    female_surname,
    patronymic,
)
from klientura.kit.translit import transliterate


@dataclass
class DemoPerson:
    id: int
    last_name: str | None
    first_name: str | None
    middle_name: str | None
    gender: str
    birth_date: date | None
    city: str
    phone: str | None
    email: str | None
    card: str | None
    source: str
    signup: date
    duplicate_of: int | None = None
    consents: dict[str, bool] = field(default_factory=dict)
    tags: list[str] = field(default_factory=list)


def new_phone(rng: random.Random, phones: set[str]) -> str:
    """A mobile number nobody in the base has yet."""
    while True:
        phone = "+79" + "".join(rng.choices("0123456789", k=9))
        if phone not in phones:
            phones.add(phone)
            return phone


def _pick(rng: random.Random, weighted: tuple[tuple[str, float], ...]) -> str:
    return rng.choices([w[0] for w in weighted], weights=[w[1] for w in weighted])[0]


def _email(rng: random.Random, first: str, last: str, year: int, taken: set[str]) -> str:
    """A mailbox name as people pick them; unique across the base, as real ones mostly are."""
    for _ in range(20):
        address = _email_once(rng, first, last, year)
        local = address.partition("@")[0]
        if local not in taken:
            taken.add(local)
            return address
    return f"{transliterate(first)}.{rng.randint(10**6, 10**7)}@mail.ru"


def _email_once(rng: random.Random, first: str, last: str, year: int) -> str:
    f, la = transliterate(first).replace(" ", ""), transliterate(last).replace(" ", "")
    style = rng.random()
    if style < 0.3:
        local = f"{f}.{la}"
    elif style < 0.5:
        local = f"{f[0]}{la}{year % 100:02d}"
    elif style < 0.7:
        local = f"{la}.{f}{rng.randint(1, 999)}"
    elif style < 0.85:
        local = f"{f}{year}"
        local += str(rng.randint(10, 99))
    else:
        local = f"{f}_{la}_{rng.randint(1000, 9999)}"
    return f"{local}@{_pick(rng, MAIL_DOMAINS)}"


def make_person(rng: random.Random, pid: int, signup: date, phones: set[str], mailboxes: set[str]) -> DemoPerson:
    female = rng.random() < 0.62  # retail loyalty bases lean female
    first = rng.choice(FEMALE if female else MALE)
    last = rng.choice(SURNAMES_M) if rng.random() > 0.05 else rng.choice(SURNAMES_INVARIANT)
    if female:
        last = female_surname(last)
    middle = patronymic(rng.choice(MALE), female) if rng.random() < 0.7 else None
    birth = date(1950, 1, 1) + timedelta(days=rng.randint(0, 56 * 365)) if rng.random() < 0.85 else None
    while True:
        phone = "+79" + "".join(rng.choices("0123456789", k=9))
        if phone not in phones:
            phones.add(phone)
            break
    email = _email(rng, first, last, birth.year if birth else 1990, mailboxes) if rng.random() < 0.72 else None
    card = f"2{pid:011d}" if rng.random() < 0.6 else None
    p = DemoPerson(
        id=pid,
        last_name=last,
        first_name=first,
        middle_name=middle,
        gender="f" if female else "m",
        birth_date=birth,
        city=_pick(rng, CITIES),
        phone=phone if rng.random() < 0.93 or not email else None,
        email=email,
        card=card,
        source=_pick(rng, (("store", 0.55), ("eshop", 0.25), ("referral", 0.08), ("ads", 0.12))),
        signup=signup,
    )
    if p.phone is None and p.email is None:
        p.phone = phone
    p.consents = {"sms": rng.random() < 0.7, "email": rng.random() < 0.6} if rng.random() < 0.9 else {}
    if rng.random() < 0.05:
        p.tags.append("vip")
    if rng.random() < 0.08:
        p.tags.append("сотрудник" if rng.random() < 0.2 else "оптовик")
    return p


_KEYBOARD_NEIGHBOURS = {
    "а": "п",
    "о": "л",
    "е": "к",
    "и": "м",
    "н": "т",
    "р": "п",
    "с": "ч",
    "в": "а",
    "л": "д",
    "к": "у",
}


def _typo(rng: random.Random, word: str) -> str:
    if len(word) < 4:
        return word
    i = rng.randint(1, len(word) - 2)
    kind = rng.random()
    if kind < 0.35:  # a letter dropped
        return word[:i] + word[i + 1 :]
    if kind < 0.6:  # two letters swapped
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    if kind < 0.8:  # a neighbouring key
        ch = word[i]
        return word[:i] + _KEYBOARD_NEIGHBOURS.get(ch, ch) + word[i + 1 :]
    return word.replace("ё", "е") if "ё" in word else word[:i] + word[i] + word[i:]  # doubled letter


def _phone_typo(rng: random.Random, phone: str) -> str:
    i = rng.randint(5, len(phone) - 1)
    digits = [d for d in "0123456789" if d != phone[i]]
    return phone[:i] + rng.choice(digits) + phone[i + 1 :]


def make_duplicate(rng: random.Random, pid: int, orig: DemoPerson, signup: date, phones: set[str]) -> DemoPerson:
    """The same person registered again: a typo or another spelling of the name, another phone or a typo in it,
    often no e-mail or a variant of it. No identity is shared with the original card."""
    last, first, middle = orig.last_name or "", orig.first_name or "", orig.middle_name
    style = rng.random()
    if style < 0.45:
        last = _typo(rng, last)
    elif style < 0.6:
        first = _typo(rng, first)
    elif style < 0.75:  # typed in Latin letters
        last, first = transliterate(last).title(), transliterate(first).title()
        middle = None
    elif style < 0.85:  # first name in the surname field
        last, first = first, last
    if rng.random() < 0.5:
        middle = None
    phone: str | None
    r = rng.random()
    if orig.phone and r < 0.45:
        phone = _phone_typo(rng, orig.phone)
        while phone in phones:
            phone = _phone_typo(rng, orig.phone)
    elif r < 0.85:
        phone = "+79" + "".join(rng.choices("0123456789", k=9))
        while phone in phones:
            phone = "+79" + "".join(rng.choices("0123456789", k=9))
    else:
        phone = None
    if phone:
        phones.add(phone)
    email = None
    if orig.email and rng.random() < 0.5:
        local, _, domain = orig.email.partition("@")
        if rng.random() < 0.5:
            other = [d for d, _w in MAIL_DOMAINS if d != domain]
            email = f"{local}@{rng.choice(other)}"
        else:
            i = rng.randint(1, len(local) - 2)
            email = f"{local[:i]}{local[i + 1 :]}@{domain}"
    if phone is None and email is None:
        phone = new_phone(rng, phones)
    birth = orig.birth_date if rng.random() < 0.9 else None
    typo_phone = (
        phone is not None
        and orig.phone is not None
        and phone != orig.phone
        and sum(a != b for a, b in zip(phone, orig.phone, strict=False)) == 1
    )
    if not birth and not typo_phone and email is None:  # keep every planted twin findable by more than a name
        if orig.birth_date:
            birth = orig.birth_date
        elif orig.phone:
            phone = _phone_typo(rng, orig.phone)
            while phone in phones:
                phone = _phone_typo(rng, orig.phone)
            phones.add(phone)
        elif orig.email:
            local, _, domain = orig.email.partition("@")
            email = f"{local}@{'yandex.ru' if domain != 'yandex.ru' else 'mail.ru'}"
    return DemoPerson(
        id=pid,
        last_name=last,
        first_name=first,
        middle_name=middle,
        gender=orig.gender,
        birth_date=birth,
        city=orig.city,
        phone=phone,
        email=email,
        card=None,
        source=orig.source,
        signup=signup,
        duplicate_of=orig.id,
        consents={"sms": rng.random() < 0.5},
    )

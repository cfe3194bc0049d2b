"""The company duplicate model's built-in weights (``src/klientura/sales/company_builtin.json``), used while a base
has fewer companies than it takes to learn from (``company_model.MIN_COMPANIES``): learned by the model's own EM from
a generated base of companies with planted duplicates, then checked against the truth.

    python -m bench.company_builtin [--companies 20000]

The base: names made of common Russian business words ("Вектор", "Альянс" — many unrelated companies share them),
a legal form in one of the ways people type it, a city (Moscow and St Petersburg the commonest), a phone for most,
a site for some, an INN for most. A tenth are typed again: the legal form moved or dropped, quotes and case
changed, a typo or another word now and then, the city, phone or site left out or (rarely) another one, almost
never the INN (a card typed with the INN would have landed on the first). Deterministic for a seed.
"""

from __future__ import annotations

import argparse
import json
import random
from itertools import combinations

from klientura.config import Settings
from klientura.sales import name_key
from klientura.sales.company_dupes import candidates, site_key
from klientura.sales.company_model import (
    BUILTIN,
    COMPARISONS,
    MIN_COMPANIES,
    Facts,
    apart,
    learn,
    patterns,
    probabilities,
    to_json,
)


def _words(text: str) -> list[str]:
    return text.split()


WORDS = _words(
    "Вектор Альянс Гранит Дельта Заря Импульс Кварц Лотос Меридиан Нива Орион Прогресс Ресурс Сфера Техно Урал Феникс Эталон Юпитер Авангард "
    "Байкал Восток Горизонт Интер Капитал Лидер Мастер Нова Омега Партнер Регион Сигма Стандарт Строй Торг Транс Фактор Форвард Центр Элемент Энерго Атлант Бизнес Галактика Держава Континент Магистраль "
)
SUFFIXES = ("", "", "", "Плюс", "Групп", "Сервис", "Трейд", "Строй", "М", "-Н")
FORMS = ("ООО «{}»", "ООО {}", '"{}" ООО', "АО «{}»", "ИП {}", "{}", "ТД «{}»", "ЗАО {}")
CITIES = (("Москва", 0.35), ("Санкт-Петербург", 0.15), ("Казань", 0.08), ("Екатеринбург", 0.08), ("Новосибирск", 0.07),
          ("Тула", 0.06), ("Самара", 0.06), ("Пермь", 0.05), ("Воронеж", 0.05), ("Омск", 0.05))  # fmt: skip


def _city(rng: random.Random) -> str:
    return rng.choices([c for c, _ in CITIES], [w for _, w in CITIES])[0]


def _typo(rng: random.Random, word: str) -> str:
    i = rng.randrange(1, max(len(word) - 1, 2))
    return word[:i] + word[i + 1 :] if rng.random() < 0.5 else word[:i] + word[i:][::-1][:1] + word[i:]


def generate(companies: int, seed: int = 7) -> tuple[list[Facts], list[int]]:
    """Facts of the companies and, for each, the company it is one with (itself for an original)."""
    rng = random.Random(seed)
    made: list[tuple[str, str | None, str | None, str | None, str | None]] = []
    owner: list[int] = []
    originals = int(companies * 0.9)
    for i in range(originals):
        word = rng.choice(WORDS) + rng.choice(SUFFIXES)
        extra = f" {rng.choice(WORDS)}" if rng.random() < 0.3 else ""
        name = rng.choice(FORMS).format(word + extra)
        phone = f"+7{rng.choice(('495', '812', '843', '343', '383', '916'))}{rng.randint(0, 10**7 - 1):07d}"
        site = f"{word.lower()}{rng.randint(1, 999)}.ru" if rng.random() < 0.4 else None
        inn = f"{rng.randint(10**9, 10**10 - 1)}" if rng.random() < 0.7 else None
        made.append((name, _city(rng), phone if rng.random() < 0.85 else None, site, inn))
        owner.append(i)
    for _ in range(companies - originals):
        k = rng.randrange(originals)
        name, city, phone, site, _inn = made[k]
        core = name_key(name) or name
        style = rng.random()
        if style < 0.1:
            core = _typo(rng, core)
        elif style < 0.15:
            core = f"{core} {rng.choice(WORDS)}"
        elif style < 0.2:
            core = rng.choice(WORDS)
        name = rng.choice(FORMS).format(core.title() if rng.random() < 0.5 else core.upper())
        city = None if rng.random() < 0.3 else city if rng.random() < 0.95 else _city(rng)
        phone = (
            None if rng.random() < 0.4 else phone if rng.random() < 0.85 else f"+7495{rng.randint(0, 10**7 - 1):07d}"
        )
        site = None if rng.random() < 0.5 else site
        made.append((name, city, phone, site, None))
        owner.append(k)
    facts = [
        Facts(
            i, name, city.lower() if city else None, name_key(name), phone[-10:] if phone else None, site_key(site), inn
        )
        for i, (name, city, phone, site, inn) in enumerate(made)
    ]
    return facts, owner


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--companies", type=int, default=20_000)
    ap.add_argument("--check", action="store_true", help="only check the stored built-in weights on a base this size")
    a = ap.parse_args()
    facts, owner = generate(a.companies)
    by: dict[int, list[int]] = {}
    for i, o in enumerate(owner):
        by.setdefault(o, []).append(i)
    truth = {p for members in by.values() for p in combinations(members, 2)}
    found = candidates(facts)
    assert a.companies >= MIN_COMPANIES or a.check
    model, threshold = learn(facts, found, Settings.model_fields["dedup_precision"].default)
    p = probabilities(model, patterns(facts, found))
    said = {(i, j) for (i, j), x in zip(found, p, strict=True) if x >= threshold and not apart(facts[i], facts[j])}
    hits = len(said & truth)
    print(json.dumps({"companies": len(facts), "true_pairs": len(truth), "candidates": len(found),
                      "in_candidates": len(set(found) & truth), "suggested": len(said),
                      "threshold": threshold, "precision": round(hits / max(len(said), 1), 4), "recall": round(hits / max(len(truth), 1), 4),
                      "prior": model.prior}))  # fmt: skip
    if not a.check:
        BUILTIN.write_text(json.dumps(to_json(model, len(facts), threshold), ensure_ascii=False, indent=1) + "\n")
        for c, w in zip(COMPARISONS, model.weights(), strict=True):
            print(c.name, {level: round(float(x), 1) for level, x in zip(c.levels, w, strict=True)})


if __name__ == "__main__":
    main()

"""The learned model in words and as stored data: each comparison and level has a code (the pages translate it, the
API shows the English text), a pair's reasons are its levels with their weights, and a model goes to and from the
JSON kept in ``dedup_models``."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import numpy.typing as npt

from klientura.dedup.comparisons import COMPARISONS
from klientura.dedup.fs_model import FLOOR, NULL, Model, Quality
from klientura.kit.errors import Code, Notice, code, notice
from klientura.kit.i18n import N_

FIELDS: dict[str, Code] = {
    "surname": code("dedup.field.surname", N_("Surname")),
    "given name": code("dedup.field.given_name", N_("Given name")),
    "patronymic": code("dedup.field.patronymic", N_("Patronymic")),
    "birth date": code("dedup.field.birth_date", N_("Birth date")),
    "gender": code("dedup.field.gender", N_("Gender")),
    "phone": code("dedup.field.phone", N_("Phone")),
    "e-mail": code("dedup.field.email", N_("E-mail")),
    "place": code("dedup.field.place", N_("Place: address, postcode, city")),
}


def _slug(name: str) -> str:
    """A code's part from a comparison's or level's name: "e-mail" -> "email", "same key" -> "same_key"."""
    return "".join(ch if ch.isalnum() else "_" if ch == " " else "" for ch in name)


def _level(field: str, level: str, text: str) -> tuple[tuple[str, str], Code]:
    return (field, level), code(f"dedup.level.{_slug(field)}.{_slug(level)}", text)


LEVELS: dict[tuple[str, str], Code] = dict(
    [
        _level("surname", "exact", N_("the same surname")),
        _level("surname", "same key", N_("the same surname spelt differently (Cyrillic or Latin, case)")),
        _level("surname", "near", N_("surnames a typo apart")),
        _level("surname", "rather near", N_("similar surnames")),
        _level("surname", "else", N_("different surnames")),
        _level("given name", "exact", N_("the same given name")),
        _level("given name", "same key", N_("the same given name spelt differently")),
        _level("given name", "near", N_("given names a typo apart")),
        _level("given name", "initial", N_("a given name and its initial")),
        _level("given name", "else", N_("different given names")),
        _level("patronymic", "same key", N_("the same patronymic")),
        _level("patronymic", "near", N_("similar patronymics")),
        _level("patronymic", "else", N_("different patronymics")),
        _level("birth date", "exact", N_("the same birth date")),
        _level("birth date", "day and month swapped", N_("birth dates with the day and month swapped")),
        _level("birth date", "one digit off", N_("birth dates one digit apart")),
        _level("birth date", "same year", N_("born in the same year, on another day")),
        _level("birth date", "else", N_("born in different years")),
        _level("gender", "same", N_("the same gender")),
        _level("gender", "else", N_("different genders")),
        _level("phone", "shared", N_("a shared phone")),
        _level("phone", "one digit off", N_("phones one digit apart")),
        _level("phone", "else", N_("different phones")),
        _level("e-mail", "shared", N_("a shared e-mail")),
        _level("e-mail", "one character off", N_("e-mails one letter apart")),
        _level("e-mail", "same mailbox name", N_("the same mailbox name at another domain")),
        _level("e-mail", "else", N_("different e-mails")),
        _level("place", "same address", N_("the same street address")),
        _level("place", "near address", N_("nearly the same street address")),
        _level("place", "same postcode", N_("the same postcode")),
        _level("place", "postcode's first three digits", N_("postcodes of one area (the first three digits)")),
        _level("place", "same city", N_("the same city")),
        _level("place", "else", N_("different places")),
    ]
)
COMMON_NAMES = code("dedup.level.names_frequency.common", N_("common names: agreeing on them says less"))
RARE_NAMES = code("dedup.level.names_frequency.rare", N_("rare names: agreeing on them says more"))


def reasons(model: Model, found: npt.NDArray[np.int8] | tuple[int, ...], names_bits: float = 0.0) -> list[Notice]:
    """A pair's levels with their weights in bits, the strongest first (a field a card lacks says nothing)."""
    weights = model.weights()
    out = []
    for j, c in enumerate(model.comparisons):
        level = int(found[j])
        if level != NULL:
            out.append(notice(LEVELS[c.name, c.levels[level]], bits=round(float(weights[j][level]), 1)))
    if abs(names_bits) >= 0.1:
        out.append(notice(COMMON_NAMES if names_bits < 0 else RARE_NAMES, bits=round(names_bits, 1)))
    return sorted(out, key=lambda r: -abs(r["params"]["bits"]))


def to_json(model: Model) -> list[dict[str, Any]]:
    return [
        {
            "name": c.name,
            "levels": [
                {"name": level, "m": float(m), "u": float(u)} for level, m, u in zip(c.levels, mm, uu, strict=True)
            ],
            "scale": model.scale_of(j),
        }
        for j, (c, mm, uu) in enumerate(zip(model.comparisons, model.m, model.u, strict=True))
    ]


def from_json(comparisons: list[dict[str, Any]], prior: float) -> Model | None:
    """The stored model, or None when its comparisons are not this version's (it must be learned again)."""
    stored = [(c["name"], tuple(level["name"] for level in c["levels"])) for c in comparisons]
    if stored != [(c.name, c.levels) for c in COMPARISONS]:
        return None
    m = [np.array([level["m"] for level in c["levels"]], dtype=np.float64) for c in comparisons]
    u = [np.array([level["u"] for level in c["levels"]], dtype=np.float64) for c in comparisons]
    return Model(COMPARISONS, m, u, prior, [float(c.get("scale", 1.0)) for c in comparisons])


def quality_json(quality: list[Quality]) -> list[dict[str, Any]]:
    return [
        {"threshold": q.threshold, "pairs": q.pairs, "precision": round(q.precision, 4), "recall": round(q.recall, 4)}
        for q in quality
    ]


def describe(comparisons: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A stored model for the page: each field (a notice) with its levels — each a notice, m, u and the weight in
    bits — in the order the model weighs them."""
    out = []
    for c in comparisons:
        field = FIELDS.get(c["name"])
        levels = [
            {
                "level": notice(LEVELS[c["name"], level["name"]]),
                "m": level["m"],
                "u": level["u"],
                "bits": math.log2(level["m"] / level["u"]),
                # neither one person's pairs nor different people's land on it here: its weight says nothing
                "seen": level["m"] > 2 * FLOOR or level["u"] > 2 * FLOOR,
            }
            for level in c["levels"]
            if (c["name"], level["name"]) in LEVELS
        ]
        if field is not None:
            out.append({"field": notice(field), "levels": levels})
    return out

"""Errors that every layer understands; transports render them (problem+json, UI message, CLI line).

An error carries a stable :class:`Code` (``phone.invalid``) and parameters (``value``); its English text derives
from the code's message, a Babel msgid with ``%(name)s`` placeholders, so the web and the CLI translate the code,
never a sentence. A domain declares its codes in its ``errors.py``::

    PHONE_INVALID = code("phone.invalid", N_("not a valid phone number: %(value)s"))
    raise ValidationFailed(PHONE_INVALID, value=raw)

``field`` names where the problem is (``phone``, ``tiers.1.min_spend``); the API answers it beside the code.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from klientura.kit.i18n import N_


@dataclass(frozen=True)
class Code:
    """A stable error (or notice) code and its English message with ``%(name)s`` parameters."""

    key: str
    text: str
    words: tuple[str, ...] = ()  # parameters whose values are words of the catalogue ("subject"): translated too
    placed: bool = False  # the message says where the problem is itself: the field is not put before it

    def render(self, params: Mapping[str, Any], gettext: Callable[[str], str] | None = None) -> str:
        """The message with its parameters, in the language of ``gettext`` (English without one)."""
        english = dict(params)
        attempts = [(self.text, english)]
        if gettext is not None:
            translated = {**english, **{k: gettext(str(english[k])) for k in self.words if k in english}}
            attempts.insert(0, (gettext(self.text), translated))
        for template, values in attempts:
            try:
                return template % values
            except (KeyError, TypeError, ValueError):  # a translation that lost a placeholder: the English stands
                continue
        return self.text  # parameters stored before the message changed


CODES: dict[str, Code] = {}


def code(key: str, text: str, *, words: tuple[str, ...] = (), placed: bool = False) -> Code:
    """Declare a code (once: a second, different message under the same key is a programming error)."""
    made = Code(key, text, words, placed)
    if CODES.setdefault(key, made) != made:
        raise RuntimeError(f"error code {key!r} is declared twice with different messages")
    return made


def notice(what: Code, **params: Any) -> dict[str, Any]:
    """A finding or an assumption said to people and kept as data (a fit's warnings, a simulation's assumptions):
    ``{"code", "params", "text"}``, JSON as it is; the pages translate it from the code, the API shows the text."""
    plain = {k: v if isinstance(v, int | float | str | bool) or v is None else str(v) for k, v in params.items()}
    return {"code": what.key, "params": plain, "text": what.render(plain)}


Notice = dict[str, Any]


def explained(item: Notice | str, gettext: Callable[[str], str]) -> str:
    """A notice in the language of ``gettext`` (a plain string: English written before notices had codes)."""
    if isinstance(item, str):
        return item
    return describe(item.get("code"), item.get("params") or {}, str(item.get("text", "")), gettext, item.get("field"))


def describe(
    key: str | None, params: Mapping[str, Any], fallback: str, gettext: Callable[[str], str], field: str | None = None
) -> str:
    """A stored code (an import's rejected row, a campaign's skip reason) in the language of ``gettext``; an
    unknown code (or none: written before codes) shows ``fallback``, the English kept beside it."""
    found = CODES.get(key or "")
    if found is None:
        return fallback
    text = found.render(params, gettext)
    return f"{gettext(field)}: {text}" if field and not found.placed else text


class KlienturaError(Exception):
    """Base of all expected errors. ``status`` is the HTTP status a transport should use."""

    status = 400
    title = "Bad request"
    type_slug = "bad-request"

    def __init__(self, what: Code | str, /, *, field: str | None = None, **params: Any) -> None:
        self.code = what if isinstance(what, Code) else None
        self.params = params
        self.field = field
        text = what.render(params) if isinstance(what, Code) else what
        placed = isinstance(what, Code) and what.placed
        self.detail = f"{field}: {text}" if field and not placed else text
        super().__init__(self.detail)

    @property
    def plain_params(self) -> dict[str, Any]:
        """The parameters as JSON keeps them (a date, a Decimal, a cell of a file: as text)."""
        return {
            k: v if isinstance(v, int | float | str | bool) or v is None else str(v) for k, v in self.params.items()
        }

    @property
    def key(self) -> str:
        """The stable code (``general`` for an error not yet given one of its own)."""
        return self.code.key if self.code else "general"

    def translated(self, gettext: Callable[[str], str]) -> str:
        """The message in the language of ``gettext``."""
        if self.code is None:
            return self.detail
        return describe(self.code.key, self.params, self.detail, gettext, self.field)


def portable(exc: KlienturaError) -> tuple[str, str | None, str, str | None, dict[str, Any]]:
    """The error as plain values that cross to another process (a pipe pickles them): its class name, code key,
    text, field and parameters; :func:`restored` makes it again there, its code kept."""
    return type(exc).__name__, exc.code.key if exc.code else None, exc.detail, exc.field, exc.plain_params


def restored(sent: tuple[str, str | None, str, str | None, dict[str, Any]]) -> KlienturaError:
    """The error :func:`portable` sent: the same class (of this module) and code, or a plain refusal."""
    name, key, detail, field, params = sent
    cls = next((c for c in _error_classes() if c.__name__ == name), ValidationFailed)
    code_ = CODES.get(key) if key else None
    return cls(code_, field=field, **params) if code_ is not None else cls(detail)


def _error_classes() -> list[type[KlienturaError]]:
    found, todo = [], [KlienturaError]
    while todo:
        cls = todo.pop()
        found.append(cls)
        todo.extend(cls.__subclasses__())
    return found


def located(exc: KlienturaError, field: str) -> ValidationFailed:
    """The same refusal placed at ``field`` (a cell of a row, a part of a payload), its code kept."""
    where = f"{field}.{exc.field}" if exc.field else field
    if exc.code is None:
        return ValidationFailed(f"{field}: {exc.detail}")
    return ValidationFailed(exc.code, field=where, **exc.params)


class ValidationFailed(KlienturaError):
    status = 422
    title = "Validation failed"
    type_slug = "validation-failed"


class NotFound(KlienturaError):
    status = 404
    title = "Not found"
    type_slug = "not-found"


class Conflict(KlienturaError):
    status = 409
    title = "Conflict"
    type_slug = "conflict"


class Forbidden(KlienturaError):
    status = 403
    title = "Forbidden"
    type_slug = "forbidden"


class Unauthorized(KlienturaError):
    status = 401
    title = "Unauthorized"
    type_slug = "unauthorized"


class TooLarge(KlienturaError):
    status = 413
    title = "Content too large"
    type_slug = "too-large"


BODY_TOO_LARGE = code("request.too_large", N_("the request is larger than %(limit)s MB"))
TEXT_NUL = code("request.nul", N_("a text holds the character U+0000 (NUL), which no field can keep"))


class TooManyRequests(KlienturaError):
    """Too many tries in too short a time (``retry_after``: seconds until the next may succeed)."""

    status = 429
    title = "Too many requests"
    type_slug = "too-many-requests"


# what pydantic says about a field, by its error type: the codes a form's or a payload's value gets
AT_LEAST = code("value.at_least", N_("must be at least %(ge)s"))
AT_MOST = code("value.at_most", N_("must be at most %(le)s"))
ABOVE = code("value.above", N_("must be above %(gt)s"))
BELOW = code("value.below", N_("must be below %(lt)s"))
REQUIRED = code("value.required", N_("is required"))
EMPTY = code("value.empty", N_("must not be empty"))
TOO_FEW = code("value.too_few", N_("at least %(min_length)s needed"))
TOO_LONG = code("value.too_long", N_("must be at most %(max_length)s long"))
NOT_A_NUMBER = code("value.not_a_number", N_("a number is expected"))
NOT_A_DATETIME = code("value.not_a_datetime", N_("a date and time is expected"))
NOT_A_DATE = code("value.not_a_date", N_("a date is expected"))
NOT_ONE_OF = code("value.not_one_of", N_("must be one of %(expected)s"))
UNKNOWN_FIELD = code("value.unknown_field", N_("is not a field here"))
INVALID = code("value.invalid", N_("%(reason)s"))
_PYDANTIC = {
    "greater_than_equal": AT_LEAST,
    "less_than_equal": AT_MOST,
    "greater_than": ABOVE,
    "less_than": BELOW,
    "missing": REQUIRED,
    "too_short": TOO_FEW,
    "too_long": TOO_LONG,
    "string_too_long": TOO_LONG,
    "int_parsing": NOT_A_NUMBER,
    "int_type": NOT_A_NUMBER,
    "float_parsing": NOT_A_NUMBER,
    "float_type": NOT_A_NUMBER,
    "decimal_parsing": NOT_A_NUMBER,
    "decimal_type": NOT_A_NUMBER,
    "int_from_float": NOT_A_NUMBER,
    "datetime_parsing": NOT_A_DATETIME,
    "datetime_from_date_parsing": NOT_A_DATETIME,
    "datetime_type": NOT_A_DATETIME,
    "date_parsing": NOT_A_DATE,
    "date_from_datetime_parsing": NOT_A_DATE,
    "date_type": NOT_A_DATE,
    "literal_error": NOT_ONE_OF,
    "enum": NOT_ONE_OF,
    "extra_forbidden": UNKNOWN_FIELD,
}


def refused(what: Code, **params: Any) -> Any:
    """Raise this from a pydantic validator: the model's ValidationError then carries the code and parameters,
    which :func:`invalid` turns back into the domain's error."""
    from pydantic_core import PydanticCustomError

    return PydanticCustomError(what.key, what.render(params).replace("{", "{{").replace("}", "}}"), params)


def invalid(exc: Any, where: str | None = None) -> ValidationFailed:
    """A pydantic ``ValidationError`` as the domain's error: the first problem with its code, where it is
    (``field`` = 'tiers.1.min_spend', or ``where`` when the caller knows better) and its parameters."""
    first = exc.errors()[0]
    where = where or ".".join(str(p) for p in first["loc"]) or None
    kind = str(first.get("type", ""))
    ctx = {k: v if isinstance(v, int | float | str) else str(v) for k, v in (first.get("ctx") or {}).items()}
    found = CODES.get(kind) or _PYDANTIC.get(kind)
    if kind == "string_too_short" and ctx.get("min_length") == 1:
        found = EMPTY
    if found is None or not _fits(found, ctx):
        return ValidationFailed(INVALID, field=where, reason=str(first["msg"]).removeprefix("Value error, "))
    return ValidationFailed(found, field=where, **ctx)


def _fits(what: Code, params: Mapping[str, Any]) -> bool:
    try:
        what.text % dict(params)
    except (KeyError, TypeError, ValueError):
        return False
    return True


CONCURRENT_CHANGE = code("request.concurrent_change", N_("a concurrent request changed the same data; retry"))
BETWEEN = code("value.between", N_("between %(low)s and %(high)s"))

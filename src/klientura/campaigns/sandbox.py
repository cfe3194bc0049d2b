"""The sandbox templates run in, with a budget: a template cannot run for long or grow a message without end.

Jinja's own sandbox keeps a template out of Python's internals but not out of the machine's time and memory: a
loop of four million steps or a 50 MB string was rendered per recipient. Here each render has a budget:

- **steps**: every step of every ``for`` loop counts (the loops' iterables are wrapped when the template is
  compiled), and every call; over :data:`MAX_STEPS`, or over :data:`MAX_SECONDS` of wall time, the render stops;
- **size**: the output, every concatenation (``~``), every product (``"x" * n``, ``[..] * n``) and every call's
  result is at most :data:`MAX_CHARS` characters; a power (``**``) at most :data:`MAX_POWER_BITS` bits; a width
  beyond :data:`MAX_CHARS` given to a padding filter or method (``center(10**9)``) is refused before it allocates.

A campaign's template is rendered once when it is saved (``templates.check``), so a template over its budget is
refused there, with the reason, before anything is sent.
"""

from __future__ import annotations

import contextvars
import operator
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from jinja2 import nodes
from jinja2.sandbox import SandboxedEnvironment
from jinja2.visitor import NodeTransformer

from klientura.campaigns.errors import TEMPLATE_TOO_BIG, TEMPLATE_TOO_LONG
from klientura.kit.errors import ValidationFailed

MAX_STEPS = 100_000  # loop steps and calls in one render (a product list of 20, a few nested loops: a few hundred)
MAX_SECONDS = 1.0  # one render's wall time
MAX_CHARS = 1_000_000  # one message (an e-mail over 102 KB is already clipped by Gmail)
MAX_POWER_BITS = 256


class Budget:
    __slots__ = ("deadline", "steps")

    def __init__(self) -> None:
        self.steps = 0
        self.deadline = time.monotonic() + MAX_SECONDS

    def step(self, n: int = 1) -> None:
        self.steps += n
        if self.steps > MAX_STEPS or (self.steps % 256 == 0 and time.monotonic() > self.deadline):
            raise ValidationFailed(TEMPLATE_TOO_LONG, steps=MAX_STEPS, seconds=MAX_SECONDS)


_budget: contextvars.ContextVar[Budget] = contextvars.ContextVar("template_budget")


def _current() -> Budget:
    """The budget of the render under way (render_within sets it; every render goes through it)."""
    return _budget.get(None) or Budget()


def _sized(value: Any) -> Any:
    if isinstance(value, str | bytes | list | tuple | dict) and len(value) > MAX_CHARS:
        raise ValidationFailed(TEMPLATE_TOO_BIG, limit=MAX_CHARS)
    return value


def _steps(iterable: Iterable[Any]) -> Iterator[Any]:
    budget = _current()
    for item in iterable:
        budget.step()
        yield item


def _concat(*parts: Any) -> str:
    if sum(len(p) if isinstance(p, str) else 0 for p in parts) > MAX_CHARS:
        raise ValidationFailed(TEMPLATE_TOO_BIG, limit=MAX_CHARS)
    return "".join(str(p) for p in parts)


_WIDTHS = frozenset({"center", "ljust", "rjust", "zfill", "expandtabs", "indent", "wordwrap", "truncate", "batch"})


def _no_huge(name: str, args: Iterable[Any]) -> None:
    """A width argument of a padding filter or method that would allocate beyond the size budget is refused."""
    if name not in _WIDTHS:
        return
    for a in args:
        if isinstance(a, int) and not isinstance(a, bool) and abs(a) > MAX_CHARS:
            raise ValidationFailed(TEMPLATE_TOO_BIG, limit=MAX_CHARS)


class _Guard(NodeTransformer):
    """Wraps each loop's iterable in ``__steps`` and each ``~`` in ``__concat`` (checked at run time)."""

    def visit_For(self, node: nodes.For) -> nodes.Node:
        self.generic_visit(node)
        node.iter = nodes.Call(nodes.Name("__steps", "load"), [node.iter], [], None, None, lineno=node.lineno)
        return node

    def visit_Concat(self, node: nodes.Concat) -> nodes.Node:
        self.generic_visit(node)
        return nodes.Call(nodes.Name("__concat", "load"), list(node.nodes), [], None, None, lineno=node.lineno)


class LimitedEnvironment(SandboxedEnvironment):
    """Jinja's sandbox with a budget per render (see the module)."""

    intercepted_binops = frozenset({"*", "**"})

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.globals["__steps"] = _steps
        self.globals["__concat"] = _concat
        self.filters = {name: _capped(name, f) for name, f in self.filters.items()}

    def _generate(self, source: nodes.Template, *args: Any, **kwargs: Any) -> str:
        return super()._generate(_Guard().visit(source), *args, **kwargs)

    def call_binop(self, context: Any, operator_: str, left: Any, right: Any) -> Any:
        if operator_ == "**":
            if isinstance(left, int) and isinstance(right, int) and abs(left).bit_length() * right > MAX_POWER_BITS:
                raise ValidationFailed(TEMPLATE_TOO_BIG, limit=MAX_CHARS)
            return operator.pow(left, right)
        for seq, n in ((left, right), (right, left)):
            if isinstance(seq, str | list | tuple) and isinstance(n, int) and len(seq) * n > MAX_CHARS:
                raise ValidationFailed(TEMPLATE_TOO_BIG, limit=MAX_CHARS)
        return operator.mul(left, right)

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        _current().step()
        name = getattr(__obj, "__name__", "")
        _no_huge(name, args)
        _no_huge(name, kwargs.values())
        return _sized(super().call(__context, __obj, *args, **kwargs))


def _capped(name: str, f: Callable[..., Any]) -> Callable[..., Any]:
    """A filter that counts as a step, is refused a width beyond the budget and whose result is sized."""
    passed = hasattr(f, "jinja_pass_arg")  # pass_context / pass_environment: that comes before the value

    def filter_(*args: Any, **kwargs: Any) -> Any:
        _current().step()
        _no_huge(name, args[2 if passed else 1 :])
        _no_huge(name, kwargs.values())
        return _sized(f(*args, **kwargs))

    if passed:
        filter_.jinja_pass_arg = f.jinja_pass_arg  # type: ignore[attr-defined]
    return filter_


def render_within(generate: Callable[[], Iterator[str]]) -> str:
    """The output of ``generate`` (a template's ``generate(values)``), within a fresh budget of steps, time and
    size."""
    token = _budget.set(Budget())
    try:
        budget, out, size = _budget.get(), [], 0
        for n, chunk in enumerate(generate()):
            size += len(chunk)
            if size > MAX_CHARS:
                raise ValidationFailed(TEMPLATE_TOO_BIG, limit=MAX_CHARS)
            out.append(chunk)
            if n % 256 == 255 and time.monotonic() > budget.deadline:
                raise ValidationFailed(TEMPLATE_TOO_LONG, steps=MAX_STEPS, seconds=MAX_SECONDS)
        if time.monotonic() > budget.deadline:
            raise ValidationFailed(TEMPLATE_TOO_LONG, steps=MAX_STEPS, seconds=MAX_SECONDS)
        return "".join(out)
    finally:
        _budget.reset(token)

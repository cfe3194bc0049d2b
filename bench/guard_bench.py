"""What the guards of issue 17 cost on the hot paths, side by side with going without them.

    python -m bench.guard_bench [--renders 20000] [--rows 200000]

- ``template``: one e-mail rendered per recipient (the sender's inner loop) in the budgeted sandbox
  (klientura.campaigns.sandbox: loop steps, time and size counted) against Jinja's bare sandbox;
- ``export``: a CSV of ``--rows`` rows written through kit.sheets (every cell checked for a formula, streamed in
  chunks) against the csv module's plain writer into one string — time and peak memory of each.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import time
import tracemalloc
from dataclasses import asdict
from typing import Any

from babel.numbers import format_currency, format_decimal
from jinja2.sandbox import SandboxedEnvironment

from klientura.campaigns.templates import Compiled, Personal
from klientura.kit import sheets

HTML = (
    "<html><body><p>{{ name }}, у вас {{ points|number }} баллов</p>"
    "{% for p in products %}<div>{{ p.name }} — {{ p.price|money }}</div>{% endfor %}"
    "<a href='{{ unsubscribe_url }}'>отписаться</a></body></html>"
)


def template(renders: int) -> dict[str, Any]:
    person = asdict(
        Personal(
            first_name="Анна",
            name="Анна",
            points=1234,
            products=tuple({"sku": f"S{i}", "name": "Чай улун", "price": "350.00"} for i in range(6)),
            unsubscribe_url="https://crm.example.ru/u/x",
        )
    )
    budgeted = Compiled(HTML, html=True, locale="ru", currency="RUB")
    bare_env = SandboxedEnvironment(autoescape=True)
    bare_env.filters["money"] = lambda v: format_currency(v, "RUB", locale="ru")
    bare_env.filters["number"] = lambda v: format_decimal(v, locale="ru")
    bare = bare_env.from_string(HTML)
    assert budgeted.render(person) == bare.render(person)
    out = {}
    for name, run in (("budgeted", lambda: budgeted.render(person)), ("bare sandbox", lambda: bare.render(person))):
        started = time.perf_counter()
        for _ in range(renders):
            run()
        out[name] = round((time.perf_counter() - started) / renders * 1e6, 1)
    return {"step": "template", "renders": renders, "us_per_render": out}


def export(rows: int) -> dict[str, Any]:
    header = ["id", "last_name", "first_name", "phone", "email", "city", "revenue"]

    def data() -> Any:
        for i in range(rows):
            yield [
                i,
                "Иванова",
                "=HYPERLINK(1)" if i % 1000 == 0 else "Анна",
                f"+7916{i:07d}",
                f"a{i}@x.ru",
                "Москва",
                1234.5,
            ]

    out = {}
    for name, run in (
        ("kit.sheets, streamed", lambda: sum(len(c) for c in sheets.csv_stream(header, data()))),
        ("csv module, one string", lambda: len(_plain(header, data()))),
    ):
        started = time.perf_counter()
        size = run()
        seconds = time.perf_counter() - started
        tracemalloc.start()  # a second pass for memory: tracing slows what it measures
        run()
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        out[name] = {"seconds": round(seconds, 2), "peak_mb": round(peak / 2**20, 1), "bytes": size}
    return {"step": "export", "rows": rows, **out}


def _plain(header: list[str], rows: Any) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=";")
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue().encode("utf-8")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--renders", type=int, default=20_000)
    parser.add_argument("--rows", type=int, default=200_000)
    args = parser.parse_args()
    print(json.dumps(template(args.renders), ensure_ascii=False))
    print(json.dumps(export(args.rows), ensure_ascii=False))


if __name__ == "__main__":
    main()

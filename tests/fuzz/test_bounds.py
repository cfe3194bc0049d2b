"""Every field a client sends has bounds the store can hold (issue 17, item 12): walked in the OpenAPI, so a request
field added without them fails here before a fuzzer finds the 500 it would cause."""

from __future__ import annotations

from typing import Any

from klientura.app import create_app
from klientura.config import Settings

FORMATS = {"date", "date-time", "time", "binary", "email", "uuid"}


def _bounded(schema: dict[str, Any], where: str, comps: dict[str, Any], out: set[str], seen: tuple[str, ...]) -> None:
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[1]
        if name not in seen:
            _bounded(comps[name], name, comps, out, (*seen, name))
        return
    alternatives = schema.get("anyOf", []) + schema.get("oneOf", []) + schema.get("allOf", [])
    number = any(a.get("type") == "number" and "maximum" in a for a in alternatives)
    for sub in alternatives:
        if not (number and sub.get("type") == "string"):  # a decimal's text form: bounded by its value
            _bounded(sub, where, comps, out, seen)
    kind = schema.get("type")
    if kind == "integer" and not (
        {"maximum", "exclusiveMaximum"} & schema.keys() and {"minimum", "exclusiveMinimum"} & schema.keys()
    ):
        out.add(f"{where}: an integer without both bounds")
    if kind == "number" and not {"maximum", "exclusiveMaximum"} & schema.keys():
        out.add(f"{where}: a number without a maximum")
    if kind == "string" and not (
        {"maxLength", "enum", "pattern", "const", "contentMediaType"} & schema.keys() or schema.get("format") in FORMATS
    ):
        out.add(f"{where}: a string without a maximum length")
    if kind == "array":
        if "maxItems" not in schema:
            out.add(f"{where}: a list without a maximum length")
        _bounded(schema.get("items", {}), f"{where}[]", comps, out, seen)
    if kind == "object":
        for name, sub in schema.get("properties", {}).items():
            _bounded(sub, f"{where}.{name}", comps, out, seen)
        if "properties" not in schema and "maxProperties" not in schema:
            out.add(f"{where}: an object without a maximum size")


def test_every_request_field_is_bounded() -> None:
    spec = create_app(Settings(database_url="sqlite://", secret_key="k" * 40)).openapi()
    comps, unbounded = spec["components"]["schemas"], set[str]()
    for path, operations in spec["paths"].items():
        for method, op in operations.items():
            label = f"{method.upper()} {path}"
            for p in op.get("parameters", []):
                _bounded(p.get("schema", {}), f"{label} {p['in']} {p['name']}", comps, unbounded, ())
            for content in op.get("requestBody", {}).get("content", {}).values():
                _bounded(content.get("schema", {}), f"{label} body", comps, unbounded, ())
    assert not unbounded, "\n".join(sorted(unbounded))

"""Error codes: each declared once, each message renders with its own parameters, pydantic's errors get codes."""

from __future__ import annotations

import importlib
import pkgutil
import re

import pytest
from pydantic import BaseModel, Field, ValidationError, model_validator

import klientura
from klientura.kit.errors import CODES, ValidationFailed, code, invalid, refused


def _import_everything() -> None:
    for info in pkgutil.walk_packages(klientura.__path__, "klientura."):
        if ".migrations" not in info.name and not info.name.endswith("__main__"):
            importlib.import_module(info.name)


def test_every_code_renders_with_its_parameters_and_keys_are_stable_names() -> None:
    _import_everything()
    assert len(CODES) > 150
    for key, c in CODES.items():
        assert re.fullmatch(r"[a-z_]+(\.[a-z_0-9]+)+", key), key
        params = {name: "x" for name in re.findall(r"%\((\w+)\)s", c.text)}
        assert "%(" not in c.render(params), key  # a single % left unescaped would raise here


def test_a_code_is_declared_once() -> None:
    with pytest.raises(RuntimeError, match="declared twice"):
        code("value.required", "something else")


def test_pydantic_errors_become_codes_with_the_field_and_parameters() -> None:
    demo = code("test.demo.pair", "%(a)s and %(b)s differ")

    class Model(BaseModel):
        share: float = Field(ge=0, le=1)
        name: str = Field(min_length=1)

        @model_validator(mode="after")
        def _pair(self) -> Model:
            if self.name == "x":
                raise refused(demo, a=1, b=2)
            return self

    cases = [
        ({"share": 2, "name": "a"}, "value.at_most", "share", {"le": 1}),
        ({"share": 0.5, "name": ""}, "value.empty", "name", {}),
        ({"name": "a"}, "value.required", "share", {}),
        ({"share": 0.5, "name": "x"}, "test.demo.pair", None, {"a": 1, "b": 2}),
    ]
    for data, key, field, params in cases:
        with pytest.raises(ValidationError) as caught:
            Model.model_validate(data)
        err = invalid(caught.value)
        assert (err.key, err.field) == (key, field) and err.params.items() >= params.items()
        assert isinstance(err, ValidationFailed)
    assert invalid(caught.value).detail == "1 and 2 differ"


def test_an_error_crosses_to_another_process_with_its_code() -> None:
    """A warehouse sync runs in a child process: its refusal reaches the parent as the same code, translated there."""
    import pickle

    from klientura.kit.errors import CODES, Conflict, portable, restored

    code = next(c for c in CODES.values() if "%(" in c.text)
    params = {name: "x" for name in __import__("re").findall(r"%\((\w+)\)", code.text)}
    sent = pickle.loads(pickle.dumps(portable(Conflict(code, field="when", **params))))
    back = restored(sent)
    assert isinstance(back, Conflict) and back.key == code.key and back.field == "when" and back.params == params
    plain = restored(pickle.loads(pickle.dumps(portable(Conflict("no code of its own")))))
    assert isinstance(plain, Conflict) and plain.key == "general" and plain.detail == "no code of its own"

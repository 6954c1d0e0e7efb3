"""What govrules borrows from durable_rules' and json's internals stays in _engine.py, and matches the real thing."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from govrules import _engine

SRC = Path(_engine.__file__).resolve().parent

VALUES = [
    {}, [], {"type": "document", "issuer": "town_government", "index": 3},
    {"名称": "镇政府", "引号": "\"书名号《》\"", "换行": "a\nb\t\u2028", "控制": "\x00\x1f"},
    {"b": 1, "a": [1, 2.5, -0.0, 1e300, True, False, None], "c": {"z": {"y": [{"x": "深"}]}}},
    {"float": 0.1 + 0.2, "big": 10 ** 30, "neg": -7, "exp": 1.5e-9},
    [{"k": [[], {}], "emoji": "\U0001f600"}, "s", 3],
    "a plain string", 42, 3.25, None, True,
]


@pytest.mark.parametrize("sort_keys", [False, True])
@pytest.mark.parametrize("value", VALUES)
def test_json_encoder_writes_what_json_dumps_writes(value: object, sort_keys: bool) -> None:
    """json_encoder(sort_keys) gives exactly json.dumps(value, ensure_ascii=False, sort_keys=sort_keys)."""
    assert _engine.json_encoder(sort_keys)(value) == json.dumps(value, ensure_ascii=False, sort_keys=sort_keys)


@pytest.mark.parametrize("sort_keys", [False, True])
def test_json_encoder_refuses_what_json_dumps_refuses(sort_keys: bool) -> None:
    """A value json.dumps cannot write (a set) fails in json_encoder too, with json's TypeError."""
    with pytest.raises(TypeError):
        _engine.json_encoder(sort_keys)({"a": {1, 2}})


# Names that reach into durable_rules' or json's internals: they may appear in _engine.py only.
PRIVATE = re.compile(r"c_make_encoder|\._handle\b|\._actions\b|\._func\b|durable_rules_engine\.\w|"
                     r"^\s*(from|import)\s+durable|json\.encoder\.|_handle_result|scan_once")


def test_only_the_engine_module_touches_library_internals() -> None:
    """No module of src/govrules but _engine.py names a private durable_rules or json internal."""
    offenders = [f"{path.name}:{n}: {line.strip()}"
                 for path in sorted(SRC.glob("*.py")) if path.name != "_engine.py"
                 for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
                 if PRIVATE.search(line)]
    assert offenders == []


def test_installed_durable_rules_is_a_tested_release() -> None:
    """The durable_rules the tests run on is one _engine.py is written for, and it is found."""
    assert _engine._installed_durable_rules() in _engine.DURABLE_RULES_VERSIONS


def test_another_durable_rules_release_is_refused_at_import() -> None:
    """An untested durable_rules version is an ImportError naming the release govrules needs."""
    with pytest.raises(ImportError, match="2.0.28"):
        _engine._check_durable_rules("2.1.0")
    _engine._check_durable_rules(None)  # no dist-info (a vendored copy): the structure is trusted


@pytest.mark.parametrize("entry", ["durable_rules-2.0.28.dist-info", "durable_rules-2.0.28-py3.10.egg-info"])
def test_the_installed_version_is_read_from_a_wheel_or_a_setup_py_install(tmp_path, monkeypatch, entry) -> None:
    """The version is found beside a wheel install's dist-info and a legacy setup.py install's egg-info."""
    import types

    (tmp_path / "durable_rules_engine.so").write_text("", encoding="utf-8")
    (tmp_path / entry).mkdir()
    monkeypatch.setattr(_engine, "durable_rules_engine", types.SimpleNamespace(__file__=str(tmp_path / "durable_rules_engine.so")))
    assert _engine._installed_durable_rules() == "2.0.28"

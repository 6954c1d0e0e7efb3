"""JSON Schema (draft 2020-12) for a ruleset's input, generated from its rule file's ``facts:``.

The schema says what ``_validate`` accepts, so a form or a validator in another language
needs no second description of the facts. Values in their canonical form (codes and dates
without padding) get the same answer from both. The schema is stricter where the validator
forgives (``" 镇长 "`` is stripped, Python 3.11 also reads ``20261008`` as a date) and looser
in two places JSON Schema cannot express: ``2.0`` is an integer to it (JSON has one number
type), and a list whose items must differ in one field (``meeting.leaders`` by ``name``)
says so only in its ``description``. ``format: date`` must be asserted by the client's
validator (draft 2020-12 makes formats annotations by default).
"""

from __future__ import annotations

import copy
import threading
from typing import Any

from ._model import FieldSpec, RulesetSpec, TypeSpec
from ._rulesets import runner

DIALECT = "https://json-schema.org/draft/2020-12/schema"

_NOT_BLANK = r"\S"  # str.strip() leaves something: a blank string is "not given", never a value
_BLANK = r"^\s*$"


def schema(ruleset: str) -> dict[str, Any]:
    """The JSON Schema of the input of the shipped ruleset ``ruleset`` (a fresh copy each call)."""
    spec = runner(ruleset).spec  # an unknown name is an InputError with a "did you mean"
    with _lock:
        made = _made.get(spec.name)
        if made is None or made[0] is not spec:
            made = _made[spec.name] = (spec, schema_for(spec))
    return copy.deepcopy(made[1])


_lock = threading.Lock()
_made: dict[str, tuple[RulesetSpec, dict[str, Any]]] = {}


def schema_for(spec: RulesetSpec) -> dict[str, Any]:
    """The JSON Schema of ``spec``'s input; named types (person, role, …) become ``$defs``."""
    defs: dict[str, Any] = {}
    body = _object(spec.facts, defs)
    out: dict[str, Any] = {
        "$schema": DIALECT,
        "$id": f"urn:govrules:schema:{spec.name}",
        "title": spec.title,
        "description": f"govrules.evaluate('{spec.name}', facts) 的输入（{spec.name} ruleset, version {spec.version}）。"
                       "可选字段省略即“未提供”；null 表示“没有”；空白字符串等同未提供。",
    }
    out.update(body)
    if defs:
        out["$defs"] = dict(sorted(defs.items()))
    return out


def _object(fields: tuple[FieldSpec, ...], defs: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "type": "object",
        "properties": {f.name: _field(f, defs) for f in fields},
        # The validator refuses a field it does not know (with a "did you mean").
        "additionalProperties": False,
    }
    required = [f.name for f in fields if f.required]
    if required:
        out["required"] = required
    return out


def _field(f: FieldSpec, defs: dict[str, Any]) -> dict[str, Any]:
    value = _type(f.type, defs, required=f.required)
    if f.required:
        out = dict(value) if "$ref" not in value else {"$ref": value["$ref"]}
    else:
        out = _nullable(value)
    if f.label:
        out["title"] = f.label
    return out


def _nullable(value: dict[str, Any]) -> dict[str, Any]:
    """An optional field's schema: null states there is none; a blank str or date is not given."""
    if isinstance(value.get("type"), str) and "$ref" not in value:
        out = dict(value, type=[value["type"], "null"])
        if value.get("format") == "date":
            # format and pattern constrain strings only, so null still passes both branches.
            del out["format"]
            out["anyOf"] = [{"format": "date"}, {"pattern": _BLANK}]
        return out
    if "anyOf" in value and "$ref" not in value:
        return dict(value, anyOf=[*value["anyOf"], {"type": "null"}])
    return {"anyOf": [value, {"type": "null"}]}


def _type(t: TypeSpec, defs: dict[str, Any], *, required: bool = True) -> dict[str, Any]:
    if t.name is not None and t.kind in ("enum", "object", "mapping"):
        if t.name not in defs:
            defs[t.name] = {}  # placeholder first: a named type may be met again while building
            defs[t.name] = _unnamed(t, defs, required=True)
        return {"$ref": f"#/$defs/{t.name}"}
    return _unnamed(t, defs, required=required)


def _unnamed(t: TypeSpec, defs: dict[str, Any], *, required: bool) -> dict[str, Any]:
    kind = t.kind
    if kind == "bool":
        return {"type": "boolean"}
    if kind == "int":
        out: dict[str, Any] = {"type": "integer"}
        if t.minimum is not None:
            out["minimum"] = t.minimum
        return out
    if kind == "str":
        # An optional string may be blank (not given); a required one may not.
        return {"type": "string", "pattern": _NOT_BLANK} if required else {"type": "string"}
    if kind == "date":
        return {"type": "string", "format": "date"}
    if kind == "enum":
        codes = [c for c, _ in t.values]
        terms = [zh for _, zh in t.values if zh not in codes]
        choices: list[dict[str, Any]] = [{"enum": codes, "description": "代码"}]
        if terms:
            choices.append({"enum": terms, "description": "中文名称"})
        return {"anyOf": choices, "description": "、".join(f"{c}（{zh}）" for c, zh in t.values)}
    if kind == "list":
        assert t.items is not None
        out = {"type": "array", "items": _type(t.items, defs)}
        if t.unique:
            out["description"] = f"no two items share the same {t.unique}（{t.unique} 不得重复）"
        return out
    if kind == "object":
        out = _object(t.fields, defs)
        return out
    if kind == "mapping":
        return {
            "type": "object",
            "propertyNames": {"pattern": _NOT_BLANK},
            "additionalProperties": {"type": "string", "pattern": _NOT_BLANK},
        }
    raise ValueError(f"no JSON Schema for kind {kind!r}")  # pragma: no cover - specs are checked


def openapi_components(names: list[str]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Each ruleset's input schema for an OpenAPI 3.1 document, and the shared named types.

    ``$defs`` move to ``components/schemas`` and their references follow, so a client
    generator sees one ``person`` type rather than one per ruleset.
    """
    inputs: dict[str, Any] = {}
    shared: dict[str, Any] = {}
    for name in names:
        s = schema(name)
        for key, value in s.pop("$defs", {}).items():
            shared[key] = _rebase(value)
        for key in ("$schema", "$id"):
            s.pop(key, None)
        inputs[name] = _rebase(s)
    return inputs, shared


def _rebase(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: (v.replace("#/$defs/", "#/components/schemas/") if k == "$ref" else _rebase(v))
                for k, v in node.items()}
    if isinstance(node, list):
        return [_rebase(v) for v in node]
    return node

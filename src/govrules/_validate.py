"""Caller facts → typed facts, checked against the ruleset's declarations before the engine sees them.

Every problem is an InputError naming the field path (``meeting.leaders[2].present``) and
what was expected. Enum values are accepted as the code or the Chinese term and come out
as the code; dates come out as ISO strings.

Omitted is not false (CONTRACT §1): a field not given (or a blank string) is left out of the
typed facts, and everything downstream reads its absence as *unknown*. ``null`` states that
there is none: a str, date or object field keeps ``None``, a list becomes ``[]`` and a mapping
``{}``; for a bool, int or enum, "there is none" says nothing, so ``null`` is not given either.
A field the rule file marks ``omitted: none`` reads not given as ``null``.
"""

from __future__ import annotations

import datetime as dt
import threading
import weakref
from typing import Any, Callable, Mapping, NamedTuple

import attrs

from . import _limits
from ._errors import InputError
from ._limits import check_limits
from ._model import FieldSpec, RulesetSpec, TypeSpec
from ._suggest import did_you_mean


def validate(spec: RulesetSpec, facts: Any) -> dict[str, Any]:
    if type(facts) is dict:
        try:
            return _checker(spec)(facts)  # within the limits too: one walk of the facts, not two
        except _Slow:
            pass  # something unusual, wrong or past a limit: the checks below say exactly what
    check_limits(facts)  # docs/engine.md "Limits": before the full checks walk the facts
    plain = _plain(facts)
    if plain is not facts and type(plain) is dict:  # the library's attrs instance, as a mapping
        try:
            return _checker(spec)(plain)
        except _Slow:
            pass
    if not _mapping(plain):
        raise InputError("facts", "a mapping of fact names to values", plain)
    return _fields(spec.facts, plain, "", f"ruleset '{spec.name}'")


_BUILTINS = frozenset({dict, list, str, int, bool, float, type(None)})


def _plain(value: Any) -> Any:
    """The library's own attrs instances are accepted wherever a mapping is."""
    if type(value) in _BUILTINS:  # the usual case, without attrs' slower class check
        return value
    if attrs.has(type(value)):
        # An attribute left at None was not given (CONTRACT §1: the library's attrs classes'
        # omitted attributes are not given either), so it is left out, not passed as null.
        return attrs.asdict(value, recurse=True, filter=lambda _, v: v is not None)
    return value


def _mapping(value: Any) -> bool:
    # dict first: isinstance against typing.Mapping goes through slow ABC machinery.
    return type(value) is dict or isinstance(value, Mapping)


def _fields(fields: tuple[FieldSpec, ...], given: Mapping[str, Any], prefix: str, owner: str) -> dict[str, Any]:
    # The full check runs only when the compiled checker gave up (something unusual or wrong),
    # so the names are listed here, not cached.
    names = [f.name for f in fields]
    known = frozenset(names)
    for key in given:
        if not isinstance(key, str):
            raise InputError(prefix.rstrip(".") or "facts", "field names must be strings", key)
        if key not in known:
            hint = did_you_mean(key, names)
            expected = f"no field '{key}' in {owner}" + (f"; {hint}" if hint else "")
            raise InputError(f"{prefix}{key}", expected)
    out: dict[str, Any] = {}
    for f in fields:
        path = f"{prefix}{f.name}"
        present = f.name in given
        value = given.get(f.name)
        if isinstance(value, str) and not value.strip() and f.type.kind in ("str", "date"):
            present, value = False, None  # a blank form field was not filled in: not given
        if value is None:
            if f.required:
                raise InputError(path, f"required: {f.type.describe()}" + (f" ({f.label})" if f.label else ""))
            none = _none(f.type)
            if (present or f.omitted == "none") and none is not _NOT_GIVEN:
                out[f.name] = none
            continue
        out[f.name] = _value(f.type, value, path)
    return out


_NOT_GIVEN = object()


def _none(t: TypeSpec) -> Any:
    """What ``null`` states for a field of this type (``_NOT_GIVEN``: nothing, so not given)."""
    if t.kind in ("str", "date", "object"):
        return None
    if t.kind == "list":
        return []
    if t.kind == "mapping":
        return {}
    return _NOT_GIVEN


def _value(t: TypeSpec, value: Any, path: str) -> Any:
    value = _plain(value)
    kind = t.kind
    if kind == "bool":
        if not isinstance(value, bool):
            raise InputError(path, "true or false", value)
        return value
    if kind == "int":
        if not isinstance(value, int) or isinstance(value, bool):
            raise InputError(path, t.describe(), value)
        if t.minimum is not None and value < t.minimum:
            raise InputError(path, t.describe(), value)
        return value
    if kind == "str":
        if not isinstance(value, str) or not value.strip():
            raise InputError(path, t.describe(), value)
        return value.strip()
    if kind == "date":
        return _date(value, path)
    if kind == "enum":
        if isinstance(value, str):
            v = value.strip()
            for code, zh in t.values:
                if v == code or v == zh:
                    return code
        choices = [c for c, _ in t.values] + [zh for _, zh in t.values]
        hint = did_you_mean(str(value), choices) if isinstance(value, str) else None
        raise InputError(path, t.describe() + (f"; {hint}" if hint else ""), value)
    if kind == "list":
        if not isinstance(value, (list, tuple)):
            raise InputError(path, t.describe(), value)
        assert t.items is not None
        out = [_value(t.items, item, f"{path}[{i}]") for i, item in enumerate(value)]
        if t.unique:
            _check_unique(out, t.unique, path)
        return out
    if kind == "object":
        if not _mapping(value):
            raise InputError(path, t.describe(), value)
        return _fields(t.fields, value, f"{path}.", f"'{path}'")
    if kind == "mapping":
        if not _mapping(value):
            raise InputError(path, t.describe(), value)
        out = {}
        for k, v in value.items():
            if not isinstance(k, str) or not k.strip():
                raise InputError(f"{path}", "keys that are non-empty strings", k)
            if not isinstance(v, str) or not v.strip():
                raise InputError(f"{path}.{k}", "a name (non-empty string)", v)
            out[k.strip()] = v.strip()
        return out
    raise InputError(path, f"a value of kind {kind}", value)  # pragma: no cover - specs are checked


def _date(value: Any, path: str) -> str:
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip()).isoformat()
        except ValueError:
            pass
    raise InputError(path, "an ISO date such as 2026-10-08", value)


# ---- the fast path --------------------------------------------------------------------------
#
# Nearly every input is plain JSON (dicts, lists, str, int, bool) and valid. For those, a
# checker compiled once per field tuple gives the same typed facts without building a field
# path for every value. Anything it does not handle exactly as the checks above would (a
# non-dict mapping, a tuple, a date object, an attrs instance, an int subclass) and anything
# invalid raises _Slow, and the checks above run from the start: they produce the result or
# the InputError, so both stay exactly what they were.
#
# The checker also holds every value it reads to _limits' limits, counting the same total, so
# that valid facts are walked once. It only needs to know *that* a limit is crossed: it then
# raises _Slow and check_limits walks the facts from the start, naming the first value past a
# limit exactly as before. The limits are read from _limits at each call (tests lower them).


class _Slow(Exception):
    pass


_Check = Callable[[Any, list], Any]  # (value, budget): budget[0] is what is left of MAX_TOTAL


class _FieldPlan(NamedTuple):
    """One field as the compiled fast path checks it."""

    name: str
    cost: int  # its name's characters towards MAX_TOTAL
    required: bool
    blankable: bool  # a str or date field: a blank string is "not given"
    kind: str
    check: _Check
    none_when_omitted: bool  # 'omitted: none': not given reads as "there is none"

# One compiled checker per ruleset, kept exactly as long as its spec lives: the entry is keyed
# by the spec's id and removed by a finalizer when the spec is collected, so an id reused by a
# later spec can never find a stale checker, and specs loaded again and again (lint, tests) do
# not pile up.
_CHECKERS: dict[int, Callable[[Any], Any]] = {}
_CHECKERS_LOCK = threading.Lock()


def _checker(spec: RulesetSpec) -> Callable[[Any], Any]:
    """The compiled checker of ``spec``'s facts, built on first use."""
    check = _CHECKERS.get(id(spec))
    if check is None:
        with _CHECKERS_LOCK:
            check = _CHECKERS.get(id(spec))
            if check is None:
                check = _compile_facts(spec.facts)
                key = id(spec)
                _CHECKERS[key] = check
                weakref.finalize(spec, _CHECKERS.pop, key, None)
    return check


def _compile_facts(fields: tuple[FieldSpec, ...]) -> Callable[[Any], Any]:
    check_fields = _compile_fields(fields, 0)

    def check(given: Any) -> dict[str, Any]:
        return check_fields(given, [_limits.MAX_TOTAL])  # what is left of the total, counted down

    return check


_ATOM_COST = _limits._ATOM_COST


def _charge_text(value: str, budget: list) -> None:
    """``value`` towards the total; _Slow where check_limits refuses it (too long, a lone surrogate)."""
    try:
        budget[0] -= _limits._text(value, "a string")
    except _limits._Over:
        raise _Slow from None


def _compile_fields(fields: tuple[FieldSpec, ...], depth: int) -> _Check:
    # A name check_limits would refuse as a key is left out of ``known``: given, it is _Slow.
    known = frozenset(f.name for f in fields if _text_ok(f.name))
    longest = max((len(name) for name in known), default=0)
    plan = [_FieldPlan(f.name, len(f.name), f.required, f.type.kind in ("str", "date"), f.type.kind,
                       _compile_type(f.type, depth + 1), f.omitted == "none")
            for f in fields]

    def check(given: Any, budget: list) -> dict[str, Any]:
        if type(given) is not dict or depth >= _limits.MAX_DEPTH or longest > _limits.MAX_STRING:
            raise _Slow
        for key in given:
            if type(key) is not str or key not in known:
                raise _Slow
        used = _ATOM_COST  # the object itself, its names and its nulls; values count their own
        out: dict[str, Any] = {}
        for name, cost, required, blankable, kind, value_check, none_when_omitted in plan:
            present = name in given
            value = given.get(name)
            if present:
                used += cost
                if value is None:
                    used += _ATOM_COST
            if blankable and isinstance(value, str) and not value.strip():
                if type(value) is not str:
                    raise _Slow  # a str subclass: check_limits reads it through str()
                _charge_text(value, budget)
                present, value = False, None
            if value is None:
                if required:
                    raise _Slow
                if present or none_when_omitted:
                    # _none's values, made fresh for every call (lists are filled by derive).
                    if kind in ("str", "date", "object"):
                        out[name] = None
                    elif kind == "list":
                        out[name] = []
                    elif kind == "mapping":
                        out[name] = {}
                continue
            out[name] = value_check(value, budget)
        budget[0] -= used
        if budget[0] < 0:  # past the total: the facts' own object, ending last, decides it; one inside stops early
            raise _Slow
        return out

    return check


def _text_ok(name: str) -> bool:
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _compile_type(t: TypeSpec, depth: int) -> _Check:
    """The check of one value of type ``t``, a container ``depth`` levels inside the facts."""
    kind = t.kind
    if kind == "bool":
        def check_bool(value: Any, budget: list) -> Any:
            if type(value) is not bool:
                raise _Slow
            budget[0] -= _ATOM_COST
            return value
        return check_bool
    if kind == "int":
        minimum = t.minimum

        def check_int(value: Any, budget: list) -> Any:
            if type(value) is not int or (minimum is not None and value < minimum):
                raise _Slow
            if not -_limits.MAX_INT < value < _limits.MAX_INT:
                raise _Slow
            budget[0] -= _ATOM_COST
            return value
        return check_int
    if kind == "str":
        def check_str(value: Any, budget: list) -> Any:
            if type(value) is not str:
                raise _Slow
            _charge_text(value, budget)
            stripped = value.strip()
            if not stripped:
                raise _Slow
            return stripped
        return check_str
    if kind == "date":
        def check_date(value: Any, budget: list) -> Any:
            if type(value) is not str:
                raise _Slow
            _charge_text(value, budget)
            try:
                return dt.date.fromisoformat(value.strip()).isoformat()
            except ValueError:
                raise _Slow from None
        return check_date
    if kind == "enum":
        codes: dict[str, str] = {}
        for code, zh in t.values:  # the first pair naming a value wins, as in _value
            codes.setdefault(code, code)
            codes.setdefault(zh, code)

        def check_enum(value: Any, budget: list) -> Any:
            if type(value) is not str:
                raise _Slow
            _charge_text(value, budget)
            code = codes.get(value.strip())
            if code is None:
                raise _Slow
            return code
        return check_enum
    if kind == "list":
        assert t.items is not None
        item_check = _compile_type(t.items, depth + 1)

        unique = t.unique

        def check_list(value: Any, budget: list) -> Any:
            if type(value) is not list or depth >= _limits.MAX_DEPTH:
                raise _Slow
            budget[0] -= _ATOM_COST
            out = [item_check(item, budget) for item in value]
            if unique and len({x.get(unique) for x in out}) != len(out):
                raise _Slow  # the general path names the repeated item
            return out
        return check_list
    if kind == "object":
        return _compile_fields(t.fields, depth)
    if kind == "mapping":
        def check_mapping(value: Any, budget: list) -> Any:
            if type(value) is not dict or depth >= _limits.MAX_DEPTH:
                raise _Slow
            budget[0] -= _ATOM_COST
            out = {}
            for k, v in value.items():
                if type(k) is not str or type(v) is not str:
                    raise _Slow
                _charge_text(k, budget)
                _charge_text(v, budget)
                k, v = k.strip(), v.strip()
                if not k or not v:
                    raise _Slow
                out[k] = v
            return out
        return check_mapping

    def check_other(value: Any, budget: list) -> Any:
        raise _Slow
    return check_other


def _check_unique(items: list[Any], field: str, path: str) -> None:
    """No two items share ``field`` (a leader listed twice would count twice towards a quorum)."""
    first: dict[Any, int] = {}
    for i, item in enumerate(items):
        key = item.get(field)
        if key is None:
            continue
        if key in first:
            raise InputError(f"{path}[{i}].{field}", f"each item's {field} once; it repeats {path}[{first[key]}]", key)
        first[key] = i

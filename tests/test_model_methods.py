"""The spec classes' shared __repr__, __eq__ and __hash__ behave as attrs' generated ones; pickles and copies round-trip."""

from __future__ import annotations

import copy
import itertools
import pickle

import attrs
import pytest

from govrules import _load, _model, _rulesets

SPEC_CLASSES = (_model.Where, _model.TypeSpec, _model.FieldSpec, _model.Ref, _model.Condition, _model.Pattern,
                _model.Assertion, _model.Then, _model.RuleSpec, _model.DeriveSpec, _model.TimeNodeSpec,
                _model.TimelineSpec, _model.OutcomeSpec, _model.DataSpec, _model.RulesetSpec)


def _twin_class(cls: type) -> type:
    """``cls``'s fields in a class whose methods attrs generates (same name, same field options)."""
    return attrs.make_class(cls.__name__, {a.name: attrs.field(eq=a.eq, repr=a.repr, hash=a.hash)
                                           for a in attrs.fields(cls)}, frozen=True)


TWINS = {cls: _twin_class(cls) for cls in SPEC_CLASSES}


def _twin(value):
    return TWINS[type(value)](**{a.name: getattr(value, a.name) for a in attrs.fields(type(value))})


def _hashable(value) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True


def _shipped_specs() -> dict[type, list]:
    """Every spec object of the shipped rule files, parsed from YAML, by class."""
    found: dict[type, dict[int, object]] = {cls: {} for cls in SPEC_CLASSES}

    def walk(value) -> None:
        if type(value) in found:
            if id(value) in found[type(value)]:
                return
            found[type(value)][id(value)] = value
            for field in attrs.fields(type(value)):
                walk(getattr(value, field.name))
        elif isinstance(value, dict):
            for v in value.values():
                walk(v)
        elif isinstance(value, (list, tuple)):
            for v in value:
                walk(v)

    directory = _rulesets.ruleset_dir()
    for name in _rulesets.available():
        walk(_load.load_ruleset(directory / f"{name}.yaml", *_rulesets._types(str(directory))))
    return {cls: list(objects.values()) for cls, objects in found.items()}


SPECS = _shipped_specs()


def test_the_spec_classes_use_the_shared_methods_and_the_verdict_classes_attrs_own():
    """attrs generates no __repr__/__eq__/__hash__ for a spec class (start-up); the verdict classes keep attrs'."""
    for cls in SPEC_CLASSES:
        assert (cls.__repr__, cls.__eq__, cls.__hash__) == (_model._spec_repr, _model._spec_eq, _model._spec_hash)
        assert attrs.has(cls) and cls.__mro__ == (cls, object) and "__slots__" in cls.__dict__
    for cls in (_model.Finding, _model.TraceStep, _model.Need, _model.Verdict):
        assert cls.__repr__ is not _model._spec_repr and cls.__eq__ is not _model._spec_eq


@pytest.mark.parametrize("cls", SPEC_CLASSES, ids=lambda c: c.__name__)
def test_repr_is_what_attrs_would_write(cls):
    """repr(spec) is attrs' generated repr of the same fields, for every spec of the shipped rule files."""
    assert SPECS[cls], cls
    for spec in SPECS[cls]:
        assert repr(spec) == repr(_twin(spec))


@pytest.mark.parametrize("cls", SPEC_CLASSES, ids=lambda c: c.__name__)
def test_equality_and_hash_are_what_attrs_would_give(cls):
    """== and != agree with attrs' generated methods on pairs of shipped specs; equal specs hash alike."""
    specs = SPECS[cls][:40]
    for a, b in itertools.product(specs, repeat=2):
        assert (a == b) == (_twin(a) == _twin(b))
        assert (a != b) == (_twin(a) != _twin(b))
        if a == b and _hashable(_twin(a)):
            assert hash(a) == hash(b)
    for spec in specs:
        copied = attrs.evolve(spec)
        assert copied == spec
        # Hashable exactly when attrs' hash is (a spec holding a dict is not, there as here).
        assert _hashable(spec) == _hashable(_twin(spec))
        if _hashable(spec):
            assert hash(copied) == hash(spec)
        assert pickle.loads(pickle.dumps(spec)) == spec
        assert spec.__eq__(object()) is NotImplemented and spec != object()


def test_a_field_left_out_of_eq_is_left_out_of_eq_and_hash():
    """Two specs that differ only in where they stand are equal and hash alike; any other field tells them apart."""
    a = _model.Condition("kind", "equals", "x", where=_model.Where("a.yaml", 1, 2))
    b = _model.Condition("kind", "equals", "x", where=_model.Where("b.yaml", 9, 9))
    assert a == b and hash(a) == hash(b)
    assert a != attrs.evolve(a, value="y")
    assert _model.Ref("a", "b") != _model.Where("a", None, None)


def test_a_spec_inside_itself_is_shown_as_attrs_shows_it():
    """A spec reached again while it is being shown prints as '...', as attrs' repr does."""
    inner: dict = {}
    spec = _model.DataSpec("key", shape=inner)
    inner["again"] = spec
    twin_inner: dict = {}
    twin = TWINS[_model.DataSpec](key="key", source=None, shape=twin_inner, collect=False, order=(), where=None)
    twin_inner["again"] = twin
    assert repr(spec) == repr(twin)


@pytest.mark.parametrize("cls", SPEC_CLASSES, ids=lambda c: c.__name__)
def test_a_spec_pickles_and_copies_to_an_equal_spec_with_every_field(cls):
    """A spec rebuilt from its pickle, copy or deep copy has every field of the original, eq=False ones included."""
    fields = attrs.fields(cls)
    # __reduce__ passes every field positionally to the class: each must be an __init__ parameter in order.
    assert all(a.init and not a.kw_only for a in fields)
    for spec in SPECS[cls][:40]:
        for made in (pickle.loads(pickle.dumps(spec, protocol=p)) for p in range(2, pickle.HIGHEST_PROTOCOL + 1)):
            assert type(made) is cls and made == spec
            assert all(getattr(made, a.name) == getattr(spec, a.name) for a in fields)
        shallow, deep = copy.copy(spec), copy.deepcopy(spec)
        assert all(getattr(shallow, a.name) is getattr(spec, a.name) for a in fields)
        assert deep == spec and all(getattr(deep, a.name) == getattr(spec, a.name) for a in fields)

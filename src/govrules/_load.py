"""Rule files → RulesetSpec: structure only (shapes, required keys); meaning is _check's job."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any, Mapping

from ruamel.yaml.comments import CommentedMap, CommentedSeq

from ._errors import RulesetError
from ._model import (
    KINDS, OPERATORS, Assertion, Condition, DataSpec, DeriveSpec, FieldSpec, OutcomeSpec,
    Pattern, Ref, RuleSpec, RulesetSpec, Then, TimelineSpec, TimeNodeSpec, TypeSpec, Where,
)
from ._suggest import did_you_mean
from ._yaml import load_yaml, plain, position

TYPES_FILE = "types.yaml"
PROVE_POOL_FILE = "prove-pool.yaml"  # beside the rule files, read by `govrules prove` only

_TOP_KEYS = ("ruleset", "title", "summary", "outcomes", "default_outcome", "facts", "inferred", "time_nodes", "timeline",
             "derive", "data", "rules")
_TIMELINE_KEYS = ("meeting_name", "include", "interval")
_NODE_KEYS = ("clause", "quote", "working_days", "days", "direction", "what")
_RULE_KEYS = ("id", "clause", "quote", "severity", "message", "when", "then", "finding", "description",
              "overrides")
_THEN_KEYS = ("outcome", "data", "assert", "add")
_FIELD_KEYS = ("type", "label", "required", "values", "items", "fields", "each", "minimum", "unique", "omitted",
               "because", "holder_role")


class _Reader:
    """Walks one file's nodes, turning every structural problem into a positioned RulesetError."""

    def __init__(self, file: str, text: str, origins: Mapping[int, tuple[str, str]] | None = None) -> None:
        self.file = file
        self.lines = text.splitlines()
        # id(node) → (file, text) for the nodes another file contributed (a pack overlay's, _packs).
        self.origins = {k: f for k, (f, _) in (origins or {}).items()}
        self.texts = {f: t.splitlines() for f, t in dict((origins or {}).values()).items()}
        self.texts[file] = self.lines

    def where(self, node: Any, key: Any = None) -> Where:
        if self.origins and key is not None:
            try:
                child = node[key]
            except (KeyError, IndexError, TypeError):
                child = None
            if id(child) in self.origins:  # the value came from another file: point at it there
                line, col = position(child)
                return Where(self.origins[id(child)], line, col)
        line, col = position(node, key)
        return Where(self.origins.get(id(node), self.file), line, col)

    def fail(self, message: str, node: Any = None, key: Any = None, hint: str | None = None) -> RulesetError:
        w = self.where(node, key) if node is not None else Where(self.file)
        lines = self.texts.get(w.file, self.lines)
        text = lines[w.line - 1].rstrip() if w.line and 0 < w.line <= len(lines) else None
        return RulesetError(message, file=w.file, line=w.line, col=w.col, text=text, hint=hint)

    def mapping(self, node: Any, what: str, parent: Any = None, key: Any = None) -> CommentedMap:
        if not isinstance(node, CommentedMap):
            raise self.fail(f"{what} must be a mapping", parent if parent is not None else node, key)
        return node

    def seq(self, node: Any, what: str, parent: Any = None, key: Any = None) -> CommentedSeq:
        if not isinstance(node, CommentedSeq):
            raise self.fail(f"{what} must be a list", parent if parent is not None else node, key)
        return node

    def text(self, node: CommentedMap, key: str, what: str, required: bool = True) -> str:
        if key not in node:
            if required:
                raise self.fail(f"{what} needs '{key}'", node)
            return ""
        value = node[key]
        if not isinstance(value, str) or not value.strip():
            raise self.fail(f"'{key}' of {what} must be a non-empty string", node, key)
        return str(value).strip()

    def known_keys(self, node: CommentedMap, allowed: tuple[str, ...], what: str) -> None:
        for k in node:
            if k not in allowed:
                raise self.fail(f"unknown key '{k}' in {what}", node, k, hint=did_you_mean(str(k), allowed))


def read_types_text(path: str | Path) -> str:
    """types.yaml's text; not UTF-8, a directory or unreadable is a RulesetError naming it."""
    try:
        return Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise RulesetError(f"cannot read the types file: {exc}", file=str(path)) from None


def load_types(path: str | Path) -> dict[str, TypeSpec]:
    """Named types shared by all rulesets (role, person, division, …)."""
    text = read_types_text(path)
    r = _Reader(str(path), text)
    root = r.mapping(load_yaml(path, text), "the types file")
    r.known_keys(root, ("types",), "the types file")
    types: dict[str, TypeSpec] = {}
    body = r.mapping(root.get("types"), "'types'", root, "types")
    for name, node in body.items():
        types[str(name)] = _type(r, node, body, name, types, str(name))
    return types


def load_ruleset(path: str | Path, types: Mapping[str, TypeSpec], types_text: str = "") -> RulesetSpec:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise RulesetError(f"cannot read the rule file: {exc}", file=str(path)) from None
    return parse_ruleset(text, str(path), types, types_text)


def parse_ruleset(text: str, file: str, types: Mapping[str, TypeSpec], types_text: str = "") -> RulesetSpec:
    return parse_tree(load_yaml(file, text), text, file, types, types_text)


def parse_tree(root: Any, text: str, file: str, types: Mapping[str, TypeSpec], types_text: str = "",
               origins: Mapping[int, tuple[str, str]] | None = None) -> RulesetSpec:
    """A rule file's parsed YAML → RulesetSpec; ``origins`` attributes nodes to other files (pack overlays)."""
    r = _Reader(file, text, origins)
    if not isinstance(root, CommentedMap):
        raise r.fail("a rule file must be a mapping with 'ruleset', 'facts' and 'rules'")
    r.known_keys(root, _TOP_KEYS, "the rule file")
    name = r.text(root, "ruleset", "the rule file")
    title = r.text(root, "title", "the rule file", required=False)
    summary = r.text(root, "summary", "the rule file", required=False)

    outcomes = []
    for i, node in enumerate(r.seq(root.get("outcomes"), "'outcomes'", root, "outcomes")):
        node = r.mapping(node, "an outcome", root["outcomes"], i)
        r.known_keys(node, ("id", "label", "allowed"), "an outcome")
        allowed = node.get("allowed")
        if not isinstance(allowed, bool):
            raise r.fail("an outcome needs 'allowed: true' or 'allowed: false'", node)
        outcomes.append(OutcomeSpec(r.text(node, "id", "an outcome"), r.text(node, "label", "an outcome"), allowed))
    if not outcomes:
        raise r.fail("'outcomes' must list at least one outcome", root, "outcomes")
    default = r.text(root, "default_outcome", "the rule file")

    facts_node = r.mapping(root.get("facts"), "'facts'", root, "facts")
    facts = tuple(_field(r, node, facts_node, fname, types) for fname, node in facts_node.items())

    inferred: dict[str, tuple[FieldSpec, ...]] = {}
    if "inferred" in root:
        inf_node = r.mapping(root["inferred"], "'inferred'", root, "inferred")
        for fname, node in inf_node.items():
            node = r.mapping(node, f"inferred fact '{fname}'", inf_node, fname)
            r.known_keys(node, ("label", "fields"), f"inferred fact '{fname}'")
            fields_node = node.get("fields") or CommentedMap()
            fields_node = r.mapping(fields_node, f"fields of '{fname}'", node, "fields")
            inferred[str(fname)] = tuple(
                _field(r, fnode, fields_node, fkey, types) for fkey, fnode in fields_node.items()
            )

    time_nodes = _time_nodes(r, root)
    nodes = {n.key: n for n in time_nodes}
    derive = []
    if "derive" in root:
        d_node = r.mapping(root["derive"], "'derive'", root, "derive")
        for target, node in d_node.items():
            node = r.mapping(node, f"derived field '{target}'", d_node, target)
            r.known_keys(node, ("function", "args", "label"), f"derived field '{target}'")
            if not isinstance(target, str) or target.count(".") != 1:
                raise r.fail(f"a derived field is named fact.field, not '{target}'", d_node, target)
            fact, field = target.split(".")
            args_node = node.get("args") or CommentedMap()
            args_node = r.mapping(args_node, f"args of '{target}'", node, "args")
            derive.append(DeriveSpec(
                fact=fact, field=field, function=r.text(node, "function", f"derived field '{target}'"),
                args=tuple((str(k), _node_count(r, plain(v), nodes, args_node, k)) for k, v in args_node.items()),
                label=r.text(node, "label", f"derived field '{target}'", required=False),
                where=r.where(d_node, target),
            ))

    data = []
    if "data" in root:
        data_node = r.mapping(root["data"], "'data'", root, "data")
        for key, node in data_node.items():
            node = r.mapping(node, f"data '{key}'", data_node, key)
            r.known_keys(node, ("from", "collect", "order"), f"data '{key}'")
            if ("from" in node) == bool(node.get("collect")):
                raise r.fail(f"data '{key}' takes either 'from: <fact.field>' or 'collect: true'", data_node, key)
            src = node.get("from")
            data.append(DataSpec(
                key=str(key),
                source=str(src) if isinstance(src, str) else None,
                shape=plain(src) if isinstance(src, CommentedMap) else None,
                collect=bool(node.get("collect")),
                order=tuple(str(x) for x in (node.get("order") or ())),
                where=r.where(data_node, key),
            ))

    rules = tuple(
        _rule(r, node, root["rules"], i)
        for i, node in enumerate(r.seq(root.get("rules"), "'rules'", root, "rules"))
    )
    version = hashlib.sha256((types_text + "\0" + text).encode("utf-8")).hexdigest()[:12]
    positions = {str(k): r.where(root, k) for k in root}
    positions.update({f"outcomes[{i}]": r.where(root["outcomes"], i) for i in range(len(outcomes))})
    if "inferred" in root:
        positions.update({f"inferred.{k}": r.where(root["inferred"], k) for k in root["inferred"]})
    return RulesetSpec(
        name=name, title=title, summary=summary, file=file, version=version, outcomes=tuple(outcomes),
        default_outcome=default, facts=facts, inferred=inferred, derive=tuple(derive),
        data=tuple(data), rules=rules, types=dict(types), positions=positions, time_nodes=time_nodes,
        timeline=_timeline(r, root, nodes),
    )


def _timeline(r: _Reader, root: CommentedMap, nodes: Mapping[str, TimeNodeSpec]) -> TimelineSpec | None:
    """``timeline:``: the meeting the time nodes are counted around, other files' nodes, the interval node."""
    if "timeline" not in root:
        return None
    node = r.mapping(root["timeline"], "'timeline'", root, "timeline")
    r.known_keys(node, _TIMELINE_KEYS, "'timeline'")
    include = r.seq(node.get("include", CommentedSeq()), "'include' of 'timeline' (rule file names)", node, "include")
    if not all(isinstance(x, str) and x for x in include):
        raise r.fail("'include' of 'timeline' lists rule file names (without .yaml)", node, "include")
    interval = node.get("interval")
    if interval is not None and interval not in nodes:
        raise r.fail(f"'interval' of 'timeline' names a time node of this file; there is no '{interval}'", node,
                     "interval", hint=did_you_mean(str(interval), list(nodes)))
    return TimelineSpec(meeting=r.text(node, "meeting_name", "'timeline'"), include=tuple(str(x) for x in include),
                        interval=interval, where=r.where(root, "timeline"))


def _time_nodes(r: _Reader, root: CommentedMap) -> tuple[TimeNodeSpec, ...]:
    if "time_nodes" not in root:
        return ()
    nodes_node = r.mapping(root["time_nodes"], "'time_nodes'", root, "time_nodes")
    out = []
    for key, node in nodes_node.items():
        what = f"time node '{key}'"
        node = r.mapping(node, what, nodes_node, key)
        r.known_keys(node, _NODE_KEYS, what)
        if ("working_days" in node) == ("days" in node):
            raise r.fail(f"{what} counts either 'working_days' or calendar 'days'", nodes_node, key)
        unit = "working_days" if "working_days" in node else "days"
        count = node[unit]
        if isinstance(count, bool) or not isinstance(count, int) or count < 1:
            raise r.fail(f"'{unit}' of {what} must be a whole number of at least 1", node, unit)
        direction = node.get("direction")
        if direction not in ("before", "after"):
            raise r.fail(f"'direction' of {what} is 'before' or 'after' the meeting", node, "direction")
        out.append(TimeNodeSpec(
            key=str(key), clause=str(node.get("clause", "")), quote=r.text(node, "quote", what), count=count,
            unit=unit, direction=direction, what=r.text(node, "what", what, required=False),
            where=r.where(nodes_node, key),
        ))
    return tuple(out)


def _node_count(r: _Reader, value: Any, nodes: Mapping[str, TimeNodeSpec], parent: Any, key: Any) -> Any:
    """A derive argument ``time_nodes.<key>`` is that node's count: the number lives in one place."""
    if not (isinstance(value, str) and value.startswith("time_nodes.")):
        return value
    name = value.split(".", 1)[1]
    if name not in nodes:
        raise r.fail(f"unknown time node '{name}'", parent, key, hint=did_you_mean(name, list(nodes)))
    return nodes[name].count


def _type(r: _Reader, node: Any, parent: Any, key: Any, types: Mapping[str, TypeSpec], name: str | None = None) -> TypeSpec:
    if isinstance(node, str):
        return _named(r, node, parent, key, types)
    node = r.mapping(node, f"the type of '{key}'", parent, key)
    r.known_keys(node, _FIELD_KEYS, f"field '{key}'")
    kind = node.get("type")
    if kind is None:
        kind = "object" if "fields" in node else "enum" if "values" in node else None
    if not isinstance(kind, str):
        raise r.fail(f"field '{key}' needs a 'type'", node)
    if kind not in KINDS:
        named = _named(r, kind, node, "type", types)
        return named
    if kind == "enum":
        values = r.mapping(node.get("values"), f"values of enum '{key}'", node, "values")
        pairs = tuple((str(c), str(zh)) for c, zh in values.items())
        if not pairs:
            raise r.fail(f"enum '{key}' needs at least one value", node, "values")
        return TypeSpec("enum", name=name, values=pairs)
    if kind == "list":
        if "items" not in node:
            raise r.fail(f"list '{key}' needs 'items'", node)
        items = _type(r, node["items"], node, "items", types)
        unique = node.get("unique")
        if unique is not None and (not isinstance(unique, str) or items.kind != "object"
                                   or items.field(unique) is None):
            names = [f.name for f in items.fields]
            raise r.fail(f"'unique' names a field of the list's items; '{key}' items have no field '{unique}'",
                         node, "unique", hint=did_you_mean(str(unique), names))
        return TypeSpec("list", name=name, items=items, unique=unique)
    if kind == "object":
        fields_node = r.mapping(node.get("fields"), f"fields of '{key}'", node, "fields")
        fields = tuple(_field(r, fnode, fields_node, fkey, types) for fkey, fnode in fields_node.items())
        return TypeSpec("object", name=name, fields=fields)
    holder_role = node.get("holder_role")
    if holder_role is not None:
        roles = [c for c, _ in types["role"].values] if "role" in types else []
        if kind != "mapping" or holder_role not in roles:
            raise r.fail("'holder_role' applies to mappings only, with a code of the 'role' type", node,
                         "holder_role", hint=did_you_mean(str(holder_role), roles))
        return TypeSpec(kind, name=name, holder_role=holder_role)
    minimum = node.get("minimum")
    if minimum is not None and (kind != "int" or not isinstance(minimum, int)):
        raise r.fail(f"'minimum' applies to int fields only, with a whole number", node, "minimum")
    return TypeSpec(kind, name=name, minimum=plain(minimum))  # a built-in int, not ruamel's ScalarInt


def _named(r: _Reader, name: str, parent: Any, key: Any, types: Mapping[str, TypeSpec]) -> TypeSpec:
    if name in KINDS and name not in ("list", "object", "enum"):
        return TypeSpec(name)
    if name in types:
        return types[name]
    raise r.fail(f"unknown type '{name}'", parent, key, hint=did_you_mean(name, list(types) + list(KINDS)))


def _field(r: _Reader, node: Any, parent: Any, key: Any, types: Mapping[str, TypeSpec]) -> FieldSpec:
    label = ""
    required = False
    each = None
    omitted = None
    because = ""
    if isinstance(node, CommentedMap):
        r.known_keys(node, _FIELD_KEYS, f"field '{key}'")
        label = str(node.get("label") or "")
        required = node.get("required", False)
        if not isinstance(required, bool):
            raise r.fail(f"'required' of field '{key}' must be true or false", node, "required")
        omitted = node.get("omitted")
        if omitted is not None:
            # 'omitted: none' — not given reads as "there is none" (CONTRACT §1 allows a rule file
            # to say so only where the regulation supplies it); the reason must stand beside it.
            if omitted != "none":
                raise r.fail(f"'omitted' of field '{key}' can only be 'none'", node, "omitted")
            if required:
                raise r.fail(f"field '{key}' is required; 'omitted: none' applies to optional fields", node, "omitted")
            because = r.text(node, "because", f"field '{key}' with 'omitted: none'")
        each = node.get("each")
        if each is not None and not isinstance(each, str):
            raise r.fail(f"'each' of field '{key}' names the fact type of its items", node, "each")
    ftype = _type(r, node, parent, key, types)
    if each and (ftype.kind != "list" or ftype.items is None or ftype.items.kind != "object"):
        raise r.fail(f"'each' applies to a list of objects; '{key}' is not one", parent, key)
    return FieldSpec(str(key), ftype, required=required, label=label, each=each, omitted=omitted, because=because,
                     where=r.where(parent, key))


def _rule(r: _Reader, node: Any, parent: Any, index: int) -> RuleSpec:
    node = r.mapping(node, "a rule", parent, index)
    r.known_keys(node, _RULE_KEYS, "a rule")
    what = f"rule {node.get('id', '#' + str(index + 1))}"
    when_node = r.mapping(node.get("when"), f"'when' of {what}", node, "when")
    patterns: list[Pattern] = []
    for fact, cnode in when_node.items():
        cnode = cnode if cnode is not None else CommentedMap()
        cnode = r.mapping(cnode, f"conditions on '{fact}'", when_node, fact)
        earlier = {p.fact for p in patterns}
        conditions = []
        any_of: list[tuple[Condition, ...]] = []
        for field, spec in cnode.items():
            if field == "any_of":
                alts = r.seq(spec, "'any_of'", cnode, field)
                if not alts:
                    raise r.fail("'any_of' needs at least one alternative", cnode, field)
                for j, alt in enumerate(alts):
                    alt = r.mapping(alt, "an 'any_of' alternative", alts, j)
                    any_of.append(tuple(_condition(r, alt, f, s, earlier) for f, s in alt.items()))
                continue
            conditions.append(_condition(r, cnode, field, spec, earlier))
        patterns.append(Pattern(str(fact), tuple(conditions), tuple(any_of), where=r.where(when_node, fact)))
    facts_in_rule = {p.fact for p in patterns}

    then_node = r.mapping(node.get("then") or CommentedMap(), f"'then' of {what}", node, "then")
    r.known_keys(then_node, _THEN_KEYS, f"'then' of {what}")
    asserts = []
    if "assert" in then_node:
        a_node = r.mapping(then_node["assert"], "'assert'", then_node, "assert")
        for fact, vnode in a_node.items():
            vnode = vnode if vnode is not None else CommentedMap()
            vnode = r.mapping(vnode, f"values of asserted '{fact}'", a_node, fact)
            asserts.append(Assertion(
                str(fact), tuple((str(k), _value(v, facts_in_rule)) for k, v in vnode.items()),
                where=r.where(a_node, fact),
            ))

    def pairs(key: str) -> tuple[tuple[str, Any], ...]:
        if key not in then_node:
            return ()
        m = r.mapping(then_node[key], f"'{key}'", then_node, key)
        return tuple((str(k), _value(v, facts_in_rule)) for k, v in m.items())

    outcome = then_node.get("outcome")
    if outcome is not None and not isinstance(outcome, str):
        raise r.fail("'outcome' names one outcome", then_node, "outcome")
    finding = node.get("finding", True)
    if not isinstance(finding, bool):
        raise r.fail("'finding' must be true or false", node, "finding")
    positions = {k: r.where(node, k) for k in node}
    overrides: list[str] = []
    if "overrides" in node:
        o_node = r.seq(node["overrides"], f"'overrides' of {what} (a list of rule ids)", node, "overrides")
        for j, item in enumerate(o_node):
            if not isinstance(item, str) or not item:
                raise r.fail(f"'overrides' of {what} lists rule ids; item {j + 1} is not one", o_node, j)
            overrides.append(item)
            positions[f"overrides[{j}]"] = r.where(o_node, j)
    return RuleSpec(
        id=r.text(node, "id", what), clause=_clause_id(r, node), quote=r.text(node, "quote", what),
        severity=r.text(node, "severity", what), message=r.text(node, "message", what),
        when=tuple(patterns),
        then=Then(outcome=outcome, data=pairs("data"), asserts=tuple(asserts), add=pairs("add"),
                  where=r.where(node, "then")),
        finding=finding, description=r.text(node, "description", what, required=False),
        overrides=tuple(overrides), where=r.where(parent, index), positions=positions,
    )


def _clause_id(r: _Reader, node: CommentedMap) -> str:
    value = node.get("clause")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        # YAML reads 4.1 as a number; the catalogue's ids are strings.
        raise r.fail(f"write the clause id as a quoted string: clause: \"{value}\"", node, "clause")
    return r.text(node, "clause", f"rule {node.get('id', '?')}")


def _condition(r: _Reader, node: CommentedMap, field: Any, spec: Any, earlier: set[str]) -> Condition:
    where = r.where(node, field)
    if isinstance(spec, CommentedMap):
        if len(spec) != 1:
            raise r.fail(f"a condition on '{field}' takes exactly one operator", node, field,
                         hint="operators: " + ", ".join(OPERATORS))
        op, value = next(iter(spec.items()))
        if op not in OPERATORS:
            raise r.fail(f"unknown operator '{op}'", spec, op, hint=did_you_mean(str(op), OPERATORS))
        if op in ("in", "not_in"):
            value = tuple(plain(r.seq(value, f"'{op}'", spec, op)))
        else:
            value = plain(value)
        return Condition(str(field), str(op), _value(value, earlier), where)
    if isinstance(spec, CommentedSeq):
        raise r.fail(f"a list is not a condition; write '{field}: {{in: [...]}}'", node, field)
    return Condition(str(field), "equals", _value(plain(spec), earlier), where)


def _value(value: Any, facts_in_rule: set[str]) -> Any:
    """A string 'fact.field' naming a fact this rule matches is a reference; else a literal."""
    value = plain(value)
    if isinstance(value, str) and value.count(".") == 1:
        fact, field = value.split(".")
        if fact in facts_in_rule and field:
            return Ref(fact, field)
    if isinstance(value, dict):
        return {k: _value(v, facts_in_rule) for k, v in value.items()}
    return value

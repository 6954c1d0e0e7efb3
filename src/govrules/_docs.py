"""Traceability pages: the regulation, clause by clause, with the rules that implement it and their cases.

One Markdown page per chapter and annex (plus the preface and the final provisions), and
an index. Everything on a page comes from the catalogue, the rule files and the cases as
run, so the pages can be regenerated and compared (tests/test_docs.py).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable

from . import _catalogue
from ._coverage import Coverage, RulesetCases, coverage
from ._model import Condition, Pattern, Ref, RuleSpec, RulesetSpec, TypeSpec

SEVERITY_ZH = {"violation": "违规", "requirement": "要求", "warning": "提醒", "info": "说明"}
_OPS = {"equals": "为", "not": "不为", "in": "为以下之一：", "not_in": "不为以下任何一项：", "at_least": "不少于",
        "at_most": "不多于", "more_than": "多于", "less_than": "少于"}
PAGES = (("0", "preface"), ("1", "chapter-1"), ("2", "chapter-2"), ("3", "chapter-3"), ("4", "chapter-4"),
         ("5", "chapter-5"), ("6", "chapter-6"), ("final", "final"), ("A1", "annex-1"), ("A2", "annex-2"))
HEADER = "<!-- 由 `govrules docs` 根据条款目录、规则文件和规格案例生成；请勿手工编辑。 -->"


def _top(cid: str) -> str:
    return cid.split(".")[0]


class _Labels:
    """Chinese labels of a ruleset's fields, by engine fact and (dotted) field."""

    def __init__(self, spec: RulesetSpec) -> None:
        self.spec = spec
        self.types: dict[tuple[str, str], TypeSpec] = {}
        self.labels: dict[tuple[str, str], str] = {}
        self.facts: dict[str, str] = {}
        for f in spec.facts:
            self.facts[f.name] = f.label
            if f.type.kind == "object":
                self._fields(f.name, f.type, "")
            self._each(f)
        for name, fields in spec.inferred.items():
            for f in fields:
                self.labels[(name, f.name)] = f.label
                self.types[(name, f.name)] = f.type
        for d in spec.derive:
            self.labels[(d.fact, d.field)] = d.label

    def _fields(self, fact: str, t: TypeSpec, prefix: str) -> None:
        for f in t.fields:
            self.labels[(fact, prefix + f.name)] = f.label
            self.types[(fact, prefix + f.name)] = f.type
            if f.type.kind == "object":
                self._fields(fact, f.type, prefix + f.name + ".")
            self._each(f)

    def _each(self, f: Any) -> None:
        if f.each and f.type.items is not None:
            self.facts[f.each] = f.label
            self._fields(f.each, f.type.items, "")
        elif f.type.kind == "object":
            for sub in f.type.fields:
                if sub.each:
                    self._each(sub)

    def field(self, fact: str, field: str) -> str:
        label = self.labels.get((fact, field))
        return f"{fact}.{field}（{label}）" if label else f"{fact}.{field}"

    def value(self, fact: str, field: str, v: Any) -> str:
        if isinstance(v, Ref):
            return f"与 {self.field(v.fact, v.field)} 相同"
        if isinstance(v, bool):
            return "是" if v else "否"
        if isinstance(v, (tuple, list)):
            return "、".join(self.value(fact, field, x) for x in v)
        t = self.types.get((fact, field))
        if t is not None and t.kind == "enum":
            zh = dict(t.values).get(v)
            return f"{zh}（{v}）" if zh else str(v)
        return str(v)


def condition_text(labels: _Labels, fact: str, c: Condition) -> str:
    """One condition in words: ``conference.town_wide（是否为全镇性大会）为 是``."""
    name = labels.field(fact, c.field)
    if c.op == "present":
        return f"{name}{'已填写' if c.value else '未填写'}"
    op = _OPS.get(c.op, c.op)
    return f"{name}{op}{'' if op.endswith('：') else ' '}{labels.value(fact, c.field, c.value)}"


def pattern_text(labels: _Labels, p: Pattern) -> str:
    parts = [condition_text(labels, p.fact, c) for c in p.conditions]
    if p.any_of:
        alts = ["且".join(condition_text(labels, p.fact, c) for c in alt) for alt in p.any_of]
        parts.append("以下任一成立：" + "；或".join(alts))
    what = labels.facts.get(p.fact) or ""
    head = f"{p.fact}（{what}）" if what else p.fact
    return f"存在 {head}" + ("：" + "，".join(parts) if parts else "")


def then_text(labels: _Labels, spec: RulesetSpec, rule: RuleSpec) -> list[str]:
    out = []
    for a in rule.then.asserts:
        values = "，".join(f"{labels.field(a.fact, k)}为 {labels.value(a.fact, k, v)}" for k, v in a.values)
        out.append(f"推出 {a.fact}" + (f"：{values}" if values else ""))
    for key, v in rule.then.add:
        out.append(f"在 data.{key} 中记入 {v if not isinstance(v, Ref) else str(v)}")
    if rule.then.outcome:
        out.append(f"结论：{spec.outcome(rule.then.outcome).label}（{rule.then.outcome}）")
    return out


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_clause(c: Any, rules: list[tuple[RulesetCases, RuleSpec]], leaf: bool) -> list[str]:
    lines = [f"## {c.label}", "", f"条款编号 `{c.id}`", ""]
    if leaf:
        lines += [f"> {c.text}", ""]
    if not c.computable:
        lines += [f"不可由规则判定：{c.reason}", ""]
        return lines
    if not rules:
        lines += ["**尚无规则实现本条（缺口）。**", ""]
        return lines
    lines += ["### 本条读取的事实", "",
              "以下事实由实现本条的规则读取；调用方未提供的，不视为“否”或“无”：能改变结论的列入"
              "结论为“无法判定”的需补充事项（needs），只影响某项核查的也列入需补充事项。", ""]
    read: dict[str, None] = {}
    for rc, rule in rules:
        labels = _Labels(rc.spec)
        for p in rule.when:
            for cond in list(p.conditions) + [x for alt in p.any_of for x in alt]:
                if p.fact not in rc.spec.inferred:
                    read.setdefault(f"`{rc.spec.name}`：{labels.field(p.fact, cond.field)}", None)
    lines += [f"- {r}" for r in read] or ["- （只读取由其他规则推出的事实。）"]
    lines.append("")
    lines += ["### 实现本条的规则", ""]
    cases: dict[tuple[str, str], str] = {}
    for rc, rule in rules:
        labels = _Labels(rc.spec)
        kind = SEVERITY_ZH.get(rule.severity, rule.severity) + ("，推理步骤" if not rule.finding else "")
        lines.append(f"#### `{rule.id}`（{kind}）")
        lines.append("")
        lines.append(f"- 引文：「{rule.quote}」")
        lines.append(f"- 提示：{rule.message}")
        lines.append("- 条件（同时满足）：")
        lines.extend(f"  - {pattern_text(labels, p)}" for p in rule.when)
        for t in then_text(labels, rc.spec, rule):
            lines.append(f"- {t}")
        lines.append("")
        for run in rc.cases:
            if rule.id in run.fired:
                outcome = rc.spec.outcome(run.expected).label + f"（{run.expected}）" \
                    if run.expected in [o.id for o in rc.spec.outcomes] else run.expected
                cases.setdefault((rc.spec.name, run.name), outcome)
    lines += ["### 规格案例", ""]
    if cases:
        lines += ["| 规则集 | 案例 | 预期结论 |", "|---|---|---|"]
        lines += [f"| {r} | {_md(n)} | {_md(o)} |" for (r, n), o in cases.items()]
    else:
        lines.append("（没有触发上述规则的案例。）")
    lines.append("")
    return lines


def pages(cov: Coverage | None = None) -> dict[str, str]:
    """File name → Markdown text, for every page and the index (README.md)."""
    cov = cov or coverage()
    all_clauses = _catalogue.clauses()
    parents = {_catalogue.parent_id(c.id) for c in all_clauses}
    by_clause: dict[str, list[tuple[RulesetCases, RuleSpec]]] = {}
    for rc in cov.rulesets:
        for rule in rc.spec.rules:
            by_clause.setdefault(rule.clause, []).append((rc, rule))
    out: dict[str, str] = {}
    index = [HEADER, "", f"# 《{_catalogue.regulation_title()}》逐条对照", "",
             "每一页按条款顺序列出条款原文、实现它的规则（条件以中文写出）和触发这些规则的规格案例。",
             "规则集：" + ("、".join(f"`{rc.spec.name}`（{rc.spec.title}，版本 {rc.spec.version}）"
                                 for rc in cov.rulesets) or "（无）"), "",
             "| 页面 | 条款 | 可判定 | 已有规则 | 规则数 |", "|---|---|---|---|---|"]
    # The shipped regulation's chapters by name; any other top-level id (another pack's) gets a page too.
    named = {top for top, _ in PAGES}
    others = [(top, f"part-{top}") for top in dict.fromkeys(_top(c.id) for c in all_clauses) if top not in named]
    for top, fname in (*PAGES, *others):
        group = [c for c in all_clauses if _top(c.id) == top]
        if not group:
            continue
        head = group[0]
        lines = [HEADER, "", f"# {head.label}", "", "[返回目录](README.md)", ""]
        for c in group:
            lines += render_clause(c, by_clause.get(c.id, []), leaf=c.id not in parents)
        out[f"{fname}.md"] = "\n".join(lines).rstrip() + "\n"
        computable = [c for c in group if c.computable]
        n_rules = sum(len(by_clause.get(c.id, [])) for c in group)
        covered = sum(1 for c in computable if by_clause.get(c.id))
        index.append(f"| [{head.label}]({fname}.md) | {len(group)} | {len(computable)} | {covered} | {n_rules} |")
    missing = [c.id for c in cov.uncovered]
    index += ["", "尚无规则的可判定条款：" + ("、".join(missing) if missing else "无。"), ""]
    out["README.md"] = "\n".join(index)
    return out


def write(out_dir: str | Path, cov: Coverage | None = None) -> list[Path]:
    """Write every page into ``out_dir`` (created if needed); stale .md files there are removed."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    made = pages(cov)
    for old in out_dir.glob("*.md"):
        if old.name not in made:
            old.unlink()
    written = []
    for name, text in made.items():
        path = out_dir / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def stale(out_dir: str | Path, cov: Coverage | None = None) -> list[str]:
    """The page names in ``out_dir`` that differ from what would be generated now (missing or extra too)."""
    out_dir = Path(out_dir)
    made = pages(cov)
    have = {p.name for p in out_dir.glob("*.md")} if out_dir.is_dir() else set()
    diff = [n for n in made if n not in have or (out_dir / n).read_text(encoding="utf-8") != made[n]]
    return sorted(diff + [n for n in have if n not in made])


__all__: Iterable[str] = ["pages", "write", "stale", "condition_text"]

"""Everything specific to this regulation lives with its rule files and data, not in src/govrules' code."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from govrules import _catalogue
from govrules._load import load_types
from govrules._prove import load_pool
from govrules._rulesets import ruleset_dir

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "govrules"
DATA = SRC / "data"  # the regulation's own text and its clause catalogue: data, checked separately

# The people the cases, examples and prove pool use, the town, in Chinese and in pinyin.
PEOPLE = ("张三", "李四", "王五", "赵六", "钱七", "孙八", "孙书记", "周主任")
TOWN = ("颛桥", "zhuanqiao", "Zhuanqiao")


def _code_files() -> list[Path]:
    return [p for p in sorted(SRC.rglob("*")) if p.is_file() and DATA not in p.parents
            and "__pycache__" not in p.parts]


def test_no_personal_name_or_town_name_in_the_code() -> None:
    """No file under src/govrules outside data/ names a person of the examples or the town."""
    found = [f"{p.relative_to(ROOT)}:{n}: {word}"
             for p in _code_files()
             for n, line in enumerate(p.read_text(encoding="utf-8", errors="replace").splitlines(), 1)
             for word in PEOPLE + TOWN if word in line]
    assert found == []


def test_data_holds_only_the_regulation_and_its_catalogue() -> None:
    """src/govrules/data/ is the regulation's text and clause catalogue, nothing the code could hide there."""
    text_file = _catalogue._regulation()["text"]
    assert sorted(p.name for p in DATA.iterdir() if p.is_file()) == sorted(["clauses.yaml", text_file])
    assert _catalogue.regulation_title() in _catalogue.regulation_text().splitlines()[0]


def _string_constants(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
                  and node.body and isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant)}
    return [(node.lineno, node.value) for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings]


def test_no_role_code_or_portfolio_is_a_constant_in_the_code() -> None:
    """No string literal in src/govrules/*.py is a role code of types.yaml, a portfolio or a person flag of the prove pool."""
    roles = {code for code, _ in load_types(ruleset_dir() / "types.yaml")["role"].values}
    pool = load_pool(ruleset_dir() / "prove-pool.yaml")
    words = roles | set(pool.division) | set(pool.person_flags)
    assert {"mayor", "vice_mayor", "agriculture", "delegated_by_mayor"} <= words  # the check checks something
    found = [f"{p.name}:{line}: {value}" for p in sorted(SRC.glob("*.py"))
             for line, value in _string_constants(p) if value in words]
    assert found == []


def test_the_rulesets_are_discovered_from_the_rule_files() -> None:
    """available() finds the contract's eight rulesets from rulesets/*.yaml, skipping types, cases, prove files and the pool."""
    from govrules._rulesets import available, is_rule_file

    assert available() == ["conference", "decision", "disclosure", "meeting", "minutes", "seal", "signing", "submission"]
    assert not any(is_rule_file(ruleset_dir() / n) for n in
                   ("types.yaml", "prove-pool.yaml", "signing.prove.yaml", "signing.cases.yaml"))


def test_a_rule_file_added_to_a_copy_of_the_rulesets_is_found(tmp_path: Path, monkeypatch) -> None:
    """A ninth rule file dropped into the rulesets directory is a ruleset, with no list in code to edit."""
    import shutil

    from govrules import _rulesets

    for p in ruleset_dir().glob("*.yaml"):
        shutil.copy(p, tmp_path / p.name)
    shutil.copy(tmp_path / "seal.yaml", tmp_path / "seal2.yaml")
    monkeypatch.setattr(_rulesets, "ruleset_dir", lambda: tmp_path)
    assert "seal2" in _rulesets.available() and "prove-pool" not in _rulesets.available()


def test_prove_takes_its_people_from_the_pool_beside_the_rule_file(tmp_path: Path) -> None:
    """govrules prove of a rule file elsewhere uses the prove-pool.yaml beside it: its names, not the shipped ones."""
    import shutil

    from govrules._prove import classes, hints_for
    from govrules._rulesets import runner_for_file

    for name in ("seal.yaml", "types.yaml"):
        shutil.copy(ruleset_dir() / name, tmp_path / name)
    pool = (ruleset_dir() / "prove-pool.yaml").read_text(encoding="utf-8")
    (tmp_path / "prove-pool.yaml").write_text(pool.replace("张三", "甲镇长").replace("李四", "乙副镇长"),
                                              encoding="utf-8")
    run = runner_for_file(tmp_path / "seal.yaml")
    _, space = classes(run.spec, run, hints_for(tmp_path / "seal.yaml"))
    approvers = {(f["seal_use"].get("approver") or {}).get("name") for f in space if "seal_use" in f}
    assert {"甲镇长", "乙副镇长"} <= approvers and not approvers & {"张三", "李四"}


def test_an_inconsistent_pool_is_refused_at_its_file(tmp_path: Path) -> None:
    """A pool whose portfolio role is not the first portfolio's holder is a RulesetError naming the file."""
    import pytest

    from govrules import RulesetError

    pool = (ruleset_dir() / "prove-pool.yaml").read_text(encoding="utf-8")
    bad = tmp_path / "prove-pool.yaml"
    bad.write_text(pool.replace("portfolio_role: vice_mayor", "portfolio_role: mayor"), encoding="utf-8")
    with pytest.raises(RulesetError, match="portfolio_role") as caught:
        load_pool(bad)
    assert str(bad) in str(caught.value)


# A clause label as the regulation numbers it: 五（二）, 附件1（四）, 三（一）（二）.
_LABEL = re.compile(r"[一二三四五六七八九十]+（[一二三四五六七八九十]+）|附件\d")
# The facade is the contract (CONTRACT §1): one function per shipped ruleset, named in code.
_CONTRACT_MODULES = ("_facade.py", "_facade_doc.py")


def _rule_file_words() -> dict[str, set[str]]:
    from govrules._rulesets import available, load_file

    specs = [load_file(ruleset_dir() / f"{n}.yaml") for n in available()]
    return {
        "clause id": set(_catalogue.clause_ids()) - {"0", "1", "2", "3", "4", "5", "6", "final"},
        "time node": {n.key for s in specs for n in s.time_nodes},
        "meeting name": {s.timeline.meeting for s in specs if s.timeline},
        "ruleset": set(available()),
        # 'allowed' is also the format's own key (an outcome's allowed: true) and the verdict's.
        "outcome": {o.id for s in specs for o in s.outcomes} - {"undetermined", "allowed"},
    }


def test_no_clause_label_time_node_meeting_or_ruleset_name_is_a_constant_in_the_code() -> None:
    """No string literal in src/govrules/*.py (docstrings aside) holds a clause label or equals a clause id, time node key, the timeline's meeting, an outcome or (outside the facade) a ruleset name."""
    words = _rule_file_words()
    assert {"A1.1.s3", "5.2.1"} <= words["clause id"] and "agenda_cutoff" in words["time node"]  # checks something
    found = []
    for p in sorted(SRC.glob("*.py")):
        if p.name == "_facade_docs.py":  # generated from the rule files (tests/test_facade_help.py)
            continue
        for line, value in _string_constants(p):
            if _LABEL.search(value):
                found.append(f"{p.name}:{line}: clause label in {value!r}")
            for kind, names in words.items():
                if kind == "ruleset" and p.name in _CONTRACT_MODULES:
                    continue
                if value in names or (kind == "meeting name" and any(n in value for n in names)):
                    found.append(f"{p.name}:{line}: {kind} {value!r}")
    assert found == [], "\n".join(found)

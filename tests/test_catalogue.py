"""The clause catalogue: ids, labels, verbatim texts, computability, and the drift check."""

from __future__ import annotations

import re
from pathlib import Path

import attrs
import pytest

from govrules import _catalogue
from govrules._catalogue import (
    Clause,
    clause,
    clause_ids,
    clauses,
    normalize,
    parent_id,
    quote_in_clause,
    regulation_text,
    verify_against,
)
from govrules._errors import InputError, RulesetError

SHARED = Path(__file__).resolve().parents[2] / "shared"
CLAUSES_MD = SHARED / "regulation" / "CLAUSES.md"
SHARED_REGULATION = SHARED / "regulation" / "zhuanqiao-work-rules.zh.txt"

# A copy of CLAUSES.md's list, used when ../shared is not beside the repository.
ID_LIST_COPY = """
0
1 1.1 1.2 1.2.1 1.2.2 1.2.3 1.2.4 1.2.5
2 2.1 2.2 2.3 2.4
3 3.1 3.2 3.2.1 3.2.2 3.2.3 3.2.4
4 4.1 4.2 4.3 4.3.1 4.3.2 4.3.3 4.3.4 4.3.5 4.3.6 4.4
5 5.1 5.2 5.2.1 5.2.2 5.3 5.4 5.5 5.6
6 6.1 6.1.1 6.1.2 6.2 6.2.1 6.2.2 6.2.3
final
A1
A1.1 A1.1.s1 A1.1.s2 A1.1.s3 A1.1.r1 A1.1.r2 A1.1.r3
A1.2 A1.2.s1 A1.2.s2 A1.2.r1 A1.2.r2 A1.2.r3
A1.3 A1.3.s1 A1.3.s2 A1.3.s3 A1.3.s4
A1.4 A1.4.s1 A1.4.s2 A1.4.r1
A1.5 A1.5.s1 A1.5.s2 A1.5.s3 A1.5.r1
A2
"""

MUST_BE_COMPUTABLE = """
3.1 3.2.1 3.2.2 3.2.3 4.1 4.3 4.4 5.2 5.2.1 5.2.2 5.3 5.4 5.5 5.6 6.2.2
A1.1.s2 A1.1.s3 A1.1.r1 A1.1.r2 A1.1.r3 A1.2.s1 A1.2.s2 A1.2.r2 A1.2.r3 A1.4.s1 A1.4.s2
""".split()

MUST_NOT_BE_COMPUTABLE = """
0 1 1.1 1.2 1.2.1 1.2.2 1.2.3 1.2.4 1.2.5 2 2.1 2.2 2.3 2.4 3.2.4 5.1
6.1 6.1.1 6.1.2 6.2.1 6.2.3 final A1.3 A1.3.s1 A1.3.s2 A1.3.s3 A1.3.s4 A2
""".split()

CN = "一二三四五六七八九"


def _ids_from_clauses_md(markdown: str) -> list[str]:
    blocks = re.findall(r"^```[^\n]*\n(.*?)^```", markdown, flags=re.S | re.M)
    assert len(blocks) == 1, "CLAUSES.md should hold exactly one code block: the id list"
    return blocks[0].split()


def _expected_ids() -> list[str]:
    if CLAUSES_MD.is_file():
        return _ids_from_clauses_md(CLAUSES_MD.read_text(encoding="utf-8"))
    return ID_LIST_COPY.split()


# --- ids and order -------------------------------------------------------------------


def test_ids_are_exactly_clauses_md_list_in_document_order():
    """The catalogue holds exactly CLAUSES.md's ids, in the same order, once each."""
    assert [c.id for c in clauses()] == _expected_ids()


@pytest.mark.skipif(not CLAUSES_MD.is_file(), reason="../shared is not beside the repository")
def test_id_list_copy_matches_clauses_md():
    """The fallback copy of the id list in this file has not drifted from CLAUSES.md."""
    assert ID_LIST_COPY.split() == _ids_from_clauses_md(CLAUSES_MD.read_text(encoding="utf-8"))


def test_clause_ids_and_lookup_agree_with_clauses():
    """clause_ids() is the set of clauses()' ids and clause(id) returns that very clause."""
    everything = clauses()
    assert isinstance(everything, tuple)
    assert clause_ids() == frozenset(c.id for c in everything)
    assert len(clause_ids()) == len(everything)
    for c in everything:
        assert clause(c.id) is c


def test_clause_is_frozen_with_contract_positional_fields():
    """Clause(id, label, text, computable) builds positionally, defaults reason to None and is immutable."""
    c = Clause("9", "九、", "九、x", True)
    assert (c.id, c.label, c.text, c.computable, c.reason) == ("9", "九、", "九、x", True, None)
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        c.text = "y"  # type: ignore[misc]
    assert clause("5.2.1").to_dict()["label"] == "五（二）1"


# --- texts ---------------------------------------------------------------------------


@pytest.mark.skipif(not SHARED_REGULATION.is_file(), reason="../shared is not beside the repository")
def test_shipped_regulation_is_byte_identical_to_shared_copy():
    """The regulation shipped in the package is the shared published text, byte for byte."""
    shipped = Path(_catalogue.__file__).parent / "data" / "zhuanqiao-work-rules.zh.txt"
    assert shipped.read_bytes() == SHARED_REGULATION.read_bytes()
    assert regulation_text().encode("utf-8") == SHARED_REGULATION.read_bytes()


@pytest.mark.parametrize("c", clauses(), ids=lambda c: c.id)
def test_clause_text_is_verbatim_in_regulation(c):
    """Each clause's text, whitespace-normalised, occurs in the normalised shipped regulation."""
    assert c.text == normalize(c.text), "texts are stored normalised"
    assert c.text in normalize(regulation_text())


def test_verify_against_finds_no_problem_with_the_real_text():
    """The drift check reports nothing for the shipped catalogue against the shipped text."""
    assert verify_against(regulation_text()) == []


@pytest.mark.parametrize("c", [c for c in clauses() if parent_id(c.id)], ids=lambda c: c.id)
def test_child_text_is_inside_parent_text(c):
    """A child's text lies inside its parent's, so a quote from the child is found in the parent."""
    parent = clause(parent_id(c.id))
    assert c.text in parent.text


def test_parent_id_follows_the_hierarchy():
    """Items hang off sections, sections off chapters, annex steps and requirements off their stage."""
    assert parent_id("5.2.1") == "5.2"
    assert parent_id("5.2") == "5"
    assert parent_id("A1.2.s1") == "A1.2"
    assert parent_id("A1.1.r3") == "A1.1"
    assert parent_id("A1.2") == "A1"
    for top in ("0", "3", "final", "A1", "A2"):
        assert parent_id(top) is None


def test_catalogue_leaves_no_line_of_the_regulation_out():
    """Every line of the regulation except the title and the annex list is in some clause."""
    texts = [c.text for c in clauses()]
    lines = [normalize(line) for line in regulation_text().splitlines()]
    outside = [line for line in lines if line and not any(line in t for t in texts)]
    assert outside == ["颛桥镇人民政府工作规则（暂行）", "附件：1.镇长办公会议办会流程", "2.请示件办理一般流程"]


def test_chapter_two_lead_sentence_belongs_to_the_chapter():
    """「镇政府依法全面履行以下职责：」 is in 2's text and in none of 2.1-2.4."""
    lead = "镇政府依法全面履行以下职责："
    assert lead in clause("2").text
    assert not any(lead in clause(f"2.{i}").text for i in range(1, 5))


def test_unnumbered_paragraph_is_requirement_three_of_stage_one():
    """The unnumbered 「涉及多个部门单位的…」 paragraph of 附件1（一） is A1.1.r3, and only that."""
    r3 = clause("A1.1.r3")
    assert r3.text.startswith("涉及多个部门单位的，事先就请示事项应协调一致")
    assert r3.text.endswith("供镇长办公会议参考")
    assert "协调一致" not in clause("A1.1.r2").text


def test_annex_steps_keep_their_owner_and_deadline_columns():
    """A step's text carries its 责任分工 and 时间节点 after the work itself."""
    assert clause("A1.2.s1").text == "1.发放会议通知和会议材料 镇政府办 会议召开前两个工作日"
    assert clause("A1.4.s1").text.endswith("镇政府办 会议召开后四个工作日内完成")
    assert clause("A1.1.s3").text.endswith("会议召开前两个工作日停止议题收集")


def test_annex_two_is_its_title_only_and_not_computable():
    """A2 carries its title as text, no invented body, and says why it is not computable."""
    a2 = clause("A2")
    assert a2.text == "附件2 请示件办理一般流程"
    assert a2.computable is False
    assert "没有正文" in a2.reason and "流程图" in a2.reason


# --- labels --------------------------------------------------------------------------


def _expected_label_prefix(cid: str) -> str:
    if cid == "0":
        return "序言"
    if cid == "final":
        return "附则"
    annex = re.fullmatch(r"A(\d+)(?:\.(\d+)(?:\.([sr])(\d+))?)?", cid)
    if annex:
        number, stage, kind, n = annex.groups()
        if stage is None:
            return f"附件{number} "
        prefix = f"附件{number}（{CN[int(stage) - 1]}）"
        if kind is None:
            return prefix
        return prefix + ("主要工作" if kind == "s" else "相关要求") + n
    parts = [int(p) for p in cid.split(".")]
    if len(parts) == 1:
        return f"{CN[parts[0] - 1]}、"
    label = f"{CN[parts[0] - 1]}（{CN[parts[1] - 1]}）"
    return label + (str(parts[2]) if len(parts) == 3 else "")


@pytest.mark.parametrize("c", clauses(), ids=lambda c: c.id)
def test_label_follows_clauses_md_pattern(c):
    """Each label is derived from its id as CLAUSES.md's table says."""
    prefix = _expected_label_prefix(c.id)
    is_leaf_label = c.id == "0" or not re.fullmatch(r"\d+|A\d+|A\d+\.\d+", c.id)
    if is_leaf_label:
        assert c.label == prefix
    else:
        # Chapters, annexes and annex stages add their title after the number.
        assert c.label.startswith(prefix) and len(c.label) > len(prefix)


def test_titled_labels_carry_the_documents_own_title():
    """Chapter, annex and stage labels repeat the heading that opens their text."""
    assert clause("3").label == "三、工作分工和民主决策"
    assert clause("A1").label == "附件1 镇长办公会议办会流程"
    assert clause("A1.2").label == "附件1（二）会议通知及召开"
    for c in clauses():
        if re.fullmatch(r"[1-9]|A\d+", c.id):
            assert c.text.startswith(c.label), c.id
        elif re.fullmatch(r"A\d+\.\d+", c.id):
            number, title = re.fullmatch(r"附件\d+（(.)）(.+)", c.label).groups()
            assert c.text.startswith(f"（{number}） {title}"), c.id


# --- computability -------------------------------------------------------------------


@pytest.mark.parametrize("cid", MUST_BE_COMPUTABLE)
def test_decidable_clauses_are_computable(cid):
    """Clauses a rule can decide from facts are marked computable and carry no reason."""
    assert clause(cid).computable is True
    assert clause(cid).reason is None


@pytest.mark.parametrize("cid", MUST_NOT_BE_COMPUTABLE)
def test_principles_duties_and_chores_are_not_computable(cid):
    """Principles, duties, physical chores and A2 are marked not computable."""
    assert clause(cid).computable is False


@pytest.mark.parametrize("c", [c for c in clauses() if not c.computable], ids=lambda c: c.id)
def test_non_computable_clause_has_a_one_line_reason(c):
    """Every non-computable clause says, on one line, why no rule can decide it."""
    assert c.reason and c.reason.strip() == c.reason
    assert "\n" not in c.reason
    assert len(c.reason) >= 20


def test_computable_clauses_carry_no_reason():
    """reason is reserved for non-computable clauses, so its presence is never ambiguous."""
    assert [c.id for c in clauses() if c.computable and c.reason is not None] == []


# --- lookup errors -------------------------------------------------------------------


def test_unknown_id_raises_input_error_with_suggestion():
    """An unknown id is an InputError on path 'clause' naming the value and the nearest id."""
    with pytest.raises(InputError) as caught:
        clause("5.2.9")
    assert caught.value.path == "clause"
    assert caught.value.value == "5.2.9"
    assert caught.value.expected == "unknown clause id; did you mean '5.2.1'?"
    with pytest.raises(InputError, match=r"did you mean 'A1\.2\.r2'"):
        clause("A1.2.R2")


def test_unknown_id_without_close_match_still_explains():
    """An id like nothing in the catalogue raises without a misleading suggestion."""
    with pytest.raises(InputError) as caught:
        clause("zzzzzzzz")
    assert "did you mean" not in caught.value.expected
    assert "unknown clause id" in caught.value.expected


@pytest.mark.parametrize("bad", [5, 5.2, None, ["5.2.1"]])
def test_non_string_id_is_an_input_error(bad):
    """A non-str id raises InputError carrying the bad value, not a TypeError or KeyError."""
    with pytest.raises(InputError) as caught:
        clause(bad)  # type: ignore[arg-type]
    assert caught.value.path == "clause"
    assert caught.value.value == bad


# --- quotes --------------------------------------------------------------------------


def test_quote_in_clause_checks_normalised_substring():
    """A quote matches its clause and ancestors regardless of whitespace, and nothing else."""
    quote = "发放会议通知和会议材料\n\t镇政府办  会议召开前"
    assert quote_in_clause(quote, "A1.2.s1")
    assert quote_in_clause(quote, "A1.2")
    assert quote_in_clause(quote, "A1")
    assert not quote_in_clause(quote, "A1.2.s2")
    assert quote_in_clause("镇长可以委托一名副镇长签发", "5.2.1")
    assert not quote_in_clause("镇长可以委托两名副镇长签发", "5.2.1")
    # Whitespace is collapsed, not removed: a space the text lacks is a different quote.
    assert not quote_in_clause("镇长可以委托一名 副镇长签发", "5.2.1")


def test_quote_in_clause_rejects_unknown_ids_and_empty_quotes():
    """An unknown id, an empty quote or a non-str quote never counts as found."""
    assert quote_in_clause("签发", "5.2.9") is False
    assert quote_in_clause("   ", "5.2.1") is False
    assert quote_in_clause(None, "5.2.1") is False  # type: ignore[arg-type]


def test_normalize_collapses_all_whitespace():
    """Tabs, newlines and ideographic spaces become single spaces; ends are stripped."""
    assert normalize("\t流  程\n\u3000主要工作 ") == "流 程 主要工作"
    with pytest.raises(InputError):
        normalize(3)  # type: ignore[arg-type]


# --- drift ---------------------------------------------------------------------------


def test_drift_in_the_regulation_is_reported_for_the_clause_and_its_ancestors():
    """One altered character in the regulation flags the clause holding it and its parents."""
    real = regulation_text()
    original = "镇长可以委托一名副镇长签发"
    assert real.count(original) == 1
    corrupted = real.replace(original, "镇长可以委托两名副镇长签发")
    problems = verify_against(corrupted)
    flagged = sorted({p.split(" ", 1)[0] for p in problems})
    assert flagged == ["5", "5.2", "5.2.1"]
    agree = clause("5.2.1").text.index("一名副镇长签发")
    message = next(p for p in problems if p.startswith("5.2.1 "))
    assert f"the first {agree} characters agree" in message


def test_drift_in_a_clause_text_is_reported(monkeypatch):
    """A catalogue text with one altered character fails the drift check against the real text."""
    altered = []
    for c in clauses():
        if c.id == "A1.2.r2":
            c = attrs.evolve(c, text=c.text.replace("三分之二", "二分之一"))
        altered.append(c)
    by_id = {c.id: c for c in altered}
    monkeypatch.setattr(_catalogue, "_load", lambda: (tuple(altered), by_id))
    problems = verify_against(regulation_text())
    assert any(p.startswith("A1.2.r2 ") and "not found in the regulation" in p for p in problems)
    assert any(p.startswith("A1.2.r2 ") and "not inside its parent A1.2" in p for p in problems)


def test_drift_check_takes_an_explicit_catalogue():
    """verify_against checks a given list of clauses, including an empty text."""
    good = clause("4.1")
    assert verify_against(regulation_text(), [good]) == []
    empty = attrs.evolve(good, text="   ")
    assert verify_against(regulation_text(), [empty]) == ["4.1 (四（一）): text is empty"]


# --- loading -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"id": "9", "label": "九、", "text": "x", "computable": False}, "needs a 'reason'"),
        ({"id": "9", "label": "九、", "text": "x", "computable": "yes"}, "'computable' must be"),
        ({"id": "9", "label": "", "text": "x", "computable": True}, "'label' must be"),
        ({"id": "9", "label": "九、", "text": "x", "computable": True, "quote": "x"}, "unknown keys"),
        (["9"], "not a mapping"),
    ],
)
def test_malformed_catalogue_entry_is_a_ruleset_error(entry, message):
    """A broken catalogue entry fails loudly with its index, not with a KeyError later."""
    with pytest.raises(RulesetError, match=re.escape(message)) as caught:
        _catalogue._clause_from_entry(7, entry)
    assert "clauses[7]" in str(caught.value)


def test_clause_accepts_the_labels_people_see():
    """clause() finds a clause by its Chinese label too, with full- or half-width parentheses."""
    from govrules._catalogue import clause

    assert clause("五（二）1").id == "5.2.1"
    assert clause("五(二)1").id == "5.2.1"
    assert clause("附件1（二）相关要求2").id == "A1.2.r2"
    assert clause("三").id == "3" and clause("附件1").id == "A1" and clause("附件1（二）").id == "A1.2"


def test_every_label_finds_its_own_clause():
    """No two clauses share a label: each label leads back to its id."""
    from govrules._catalogue import clause, clauses

    for c in clauses():
        assert clause(c.label).id == c.id


@pytest.mark.parametrize(
    ("old", "new", "message", "key"),
    [
        ("computable: true", "computable: yes please", "'computable' must be true or false", "computable:"),
        ("label:", "lable:", "unknown keys ['lable']", "lable:"),
    ],
)
def test_a_catalogue_error_names_its_line_and_column(tmp_path, old, new, message, key):
    """An error in a pack's clauses.yaml is at file:line:col of the offending key, with the catalogue's hint."""
    import shutil

    import govrules

    town = tmp_path / "town"
    shutil.copytree(Path(__file__).resolve().parent.parent / "examples" / "packs" / "second-town", town)
    text = (town / "clauses.yaml").read_text(encoding="utf-8")
    at = text.index(old)
    (town / "clauses.yaml").write_text(text[:at] + new + text[at + len(old):], encoding="utf-8")
    line = text[:at].count("\n") + 1
    col = at - text.rfind("\n", 0, at)
    with pytest.raises(RulesetError) as caught:
        govrules.Pack.load(town)
    err = caught.value
    assert (err.file, err.line, err.col) == (str(town / "clauses.yaml"), line, col), str(err)
    assert message in str(err) and "docs/catalogue.md" in str(err) and "ruleset-format" not in str(err)

"""Traceability pages: generated from catalogue, rule files and cases; the committed pages stay current."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from govrules import clause
from govrules._cli import cli
from govrules._coverage import coverage, for_files
from govrules._docs import _Labels, condition_text, pages, stale, write
from govrules._rulesets import ruleset_dir, runner

COMMITTED = Path(__file__).resolve().parents[1] / "docs" / "regulation"


def test_committed_pages_match_the_rule_files_and_cases() -> None:
    """docs/regulation/ is what `govrules docs` generates now; regenerate it after changing rules or cases."""
    assert stale(COMMITTED) == [], "run `govrules docs` and commit docs/regulation/"


def test_conditions_read_as_chinese_sentences_with_field_labels() -> None:
    """A rule condition renders as 'conference.town_wide（是否为全镇性大会）为 是'."""
    spec = runner("conference").spec
    rule = spec.rule("conference.not-town-wide")
    (cond,) = rule.when[0].conditions
    assert condition_text(_Labels(spec), "conference", cond) == "conference.town_wide（是否为全镇性大会）为 否"


def test_a_chapter_page_has_the_clause_words_its_rules_and_the_cases_that_fire_them() -> None:
    """Chapter 4's page quotes 四（一）, lists every conference rule and names a case of each outcome."""
    page = pages(coverage(for_files([ruleset_dir() / "conference.yaml"])))["chapter-4.md"]
    assert clause("4.1").text in page
    for rule in runner("conference").spec.rules:
        assert f"`{rule.id}`" in page
    assert "| conference | 全镇性大会未经镇长同意，不得召开 | 不得召开（denied） |" in page
    assert "| conference | 不是全镇性大会的，无需镇长同意即可召开 | 可以召开（allowed） |" in page
    assert "结论：不得召开（denied）" in page


def test_computable_clauses_without_rules_are_marked_as_gaps_and_others_keep_their_reason() -> None:
    """With only the conference rules, 五（二）1 is a gap; the preface says why no rule decides it."""
    made = pages(coverage(for_files([ruleset_dir() / "conference.yaml"])))
    chapter5 = made["chapter-5.md"]
    section = chapter5[chapter5.index("条款编号 `5.2.1`"):]
    assert section.index("尚无规则实现本条（缺口）") < section.index("## ", 1)
    assert f"不可由规则判定：{clause('0').reason}" in made["preface.md"]
    assert "5.2.1" in made["README.md"].split("尚无规则的可判定条款：")[1]


def test_write_replaces_stale_pages_and_stale_reports_what_differs(tmp_path: Path) -> None:
    """A hand-edited page is reported stale; write() restores it and removes pages no longer generated."""
    cov = coverage(for_files([ruleset_dir() / "conference.yaml"]))
    write(tmp_path, cov)
    (tmp_path / "chapter-4.md").write_text("edited", encoding="utf-8")
    (tmp_path / "old-page.md").write_text("x", encoding="utf-8")
    assert stale(tmp_path, cov) == ["chapter-4.md", "old-page.md"]
    write(tmp_path, cov)
    assert stale(tmp_path, cov) == []
    assert not (tmp_path / "old-page.md").exists()


def test_cli_docs_writes_pages_and_check_reports_staleness(tmp_path: Path) -> None:
    """`govrules docs --out DIR` writes the index and chapter pages; `--check` exits 1 when one is edited."""
    out = tmp_path / "reg"
    assert CliRunner().invoke(cli, ["docs", "--out", str(out)]).exit_code == 0
    assert (out / "README.md").exists() and (out / "annex-1.md").exists()
    assert CliRunner().invoke(cli, ["docs", "--out", str(out), "--check"]).exit_code == 0
    (out / "annex-1.md").write_text("edited", encoding="utf-8")
    result = CliRunner().invoke(cli, ["docs", "--out", str(out), "--check"])
    assert result.exit_code == 1 and "annex-1.md" in result.output


def test_a_rules_declared_precedence_is_shown_both_ways_on_its_page() -> None:
    """A rule with 'overrides' lists what it prevails over (优先于); the overridden rule lists what it yields to (让位于)."""
    from govrules._docs import precedence_text
    from govrules._rulesets import runner

    spec = runner("minutes").spec
    over = precedence_text(spec, spec.rule("minutes.reviews-missing"))
    under = precedence_text(spec, spec.rule("minutes.drafted-in-time"))
    assert over == ["- 优先于（同时触发时以本规则的结论为准）：`minutes.drafted-in-time`（A1.4.s1，结论 complete）"]
    assert len(under) == 1 and under[0].startswith("- 让位于") and "`minutes.reviews-missing`" in under[0]
    assert precedence_text(spec, spec.rule("minutes.not-drafted")) == []

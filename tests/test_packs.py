"""Regulation packs (issue #15): loading by path, overlays, versions in force, and `govrules diff`."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

import govrules
from govrules import _catalogue
from govrules._cli import cli
from govrules._diff import Tally, diff_cases
from govrules._log import DecisionLog
from govrules._packs import resolve, shipped
from govrules._rulesets import ruleset_dir

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "examples" / "packs" / "amended-monthly"
TWO_WEEKS_LATE = "2026-09-23"  # 15 days before 2026-10-08: over two weeks, within a month

MEETING = {
    "kind": "mayor_office_meeting", "date": "2026-10-08",
    "convener": {"name": "张三", "role": "mayor"}, "chair": {"name": "张三", "role": "mayor"},
    "leaders": [{"name": "张三", "role": "mayor", "present": True},
                {"name": "李四", "role": "vice_mayor", "present": True},
                {"name": "王五", "role": "vice_mayor", "present": True},
                {"name": "赵六", "role": "vice_mayor", "present": True},
                {"name": "钱七", "role": "vice_mayor", "present": False},
                {"name": "孙八", "role": "vice_mayor", "present": False},
                {"name": "周九", "role": "vice_mayor", "present": False}],
    "agenda": [], "materials_reviewed_on": "2026-09-25", "notice_sent_on": "2026-09-25",
    "attendance_confirmed_on": "2026-09-30", "previous_date": "2026-09-24",
}


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


def copy_shipped(tmp_path: Path, **meta: str) -> Path:
    """A copy of the shipped pack's files in tmp_path, with pack.yaml keys replaced by ``meta``."""
    target = tmp_path / "copy"
    target.mkdir()
    for p in ruleset_dir().glob("*.yaml"):
        shutil.copy(p, target / p.name)
    text = (target / "pack.yaml").read_text(encoding="utf-8")
    for key, value in meta.items():
        text += f"{key}: {value}\n"
    (target / "pack.yaml").write_text(text, encoding="utf-8")
    return target


def overlay(tmp_path: Path, meeting_yaml: str = "", pack_extra: str = "") -> Path:
    """A small overlay pack on the shipped one in tmp_path/overlay."""
    target = tmp_path / "overlay"
    target.mkdir(exist_ok=True)
    (target / "pack.yaml").write_text(f"base: govrules:rulesets\nversion: test\n{pack_extra}", encoding="utf-8")
    if meeting_yaml:
        (target / "meeting.yaml").write_text(meeting_yaml, encoding="utf-8")
    return target


# ---- loading -----------------------------------------------------------------------------------


def test_the_shipped_pack_has_metadata_and_all_rulesets() -> None:
    """The shipped rulesets directory is a pack: its id, version, title and every ruleset."""
    pack = shipped()
    assert pack.is_shipped and pack.id == "zhuanqiao-work-rules" and pack.version == "暂行"
    assert pack.title == govrules.clause("final").label or pack.title == _catalogue.regulation_title()
    assert pack.available() == ["conference", "decision", "disclosure", "meeting", "minutes", "seal",
                                "signing", "submission"]
    assert "pack" not in pack.available()


def test_a_verdict_names_the_pack_version_and_hash_that_decided() -> None:
    """to_dict() carries pack {id, version, hash}: the shipped one by default, the fixture with pack=."""
    plain = govrules.check_meeting(meeting=MEETING).to_dict()
    assert plain["pack"] == shipped().stamp
    amended = govrules.check_meeting(meeting=MEETING, pack=FIXTURE).to_dict()
    assert amended["pack"]["version"] == "illustrative-monthly"
    assert amended["pack"]["hash"] != plain["pack"]["hash"] and len(amended["pack"]["hash"]) == 16


def test_the_fixture_is_marked_illustrative_and_its_overlay_is_a_few_dozen_lines() -> None:
    """The amendment fixture says it is not a real document, and its rule overlay is under 60 lines of YAML."""
    pack = govrules.Pack.load(FIXTURE)
    assert "非真实文件" in pack.title and "示例" in (pack.note or "")
    lines = [ln for ln in (FIXTURE / "meeting.yaml").read_text(encoding="utf-8").splitlines()
             if ln.strip() and not ln.lstrip().startswith("#")]
    assert len(lines) < 60
    assert pack.base is not None and pack.base.is_shipped


def test_the_overlay_changes_the_words_of_its_clauses_and_their_parents_only_within_the_pack() -> None:
    """4.3, A1.1.s3 and A1.2.r2 read the amended words under the pack (parents too); the shipped text is untouched."""
    pack = govrules.Pack.load(FIXTURE)
    with pack.active():
        assert "一般每月召开一次" in govrules.clause("4.3").text
        assert "一般每月召开一次" in govrules.clause("4").text
        assert "会议召开前三个工作日停止议题收集" in govrules.clause("A1.1.s3").text
        assert "必须过半数" in govrules.clause("A1.2.r2").text and "必须过半数" in govrules.clause("A1").text
        assert "每月" in _catalogue.regulation_text() and _catalogue.verify_against(_catalogue.regulation_text()) == []
    assert "一般每两周召开一次" in govrules.clause("4.3").text
    assert "每月召开" not in _catalogue.regulation_text()


def test_the_quorum_of_more_than_half_and_the_three_day_cutoff_apply_under_the_fixture() -> None:
    """Four of seven: more than half under the fixture (can convene), short of two thirds under the shipped rules."""
    assert govrules.check_meeting(meeting=MEETING).outcome == "cannot_convene"
    v = govrules.check_meeting(meeting=MEETING, pack=FIXTURE)
    assert v.outcome == "can_convene" and v.data["quorum"] == {"present": 4, "total": 7, "required": 4}
    assert v.data["agenda_cutoff"] == "2026-09-28"
    assert any("已过半数" in f.message for f in v.findings)
    assert "过半数" in v.findings[0].quote


def test_pack_accepts_a_pack_object_a_path_and_a_string_alike() -> None:
    """pack= takes a govrules.Pack, a pathlib.Path or a str; each gives the same verdict."""
    pack = govrules.Pack.load(FIXTURE)
    outs = {json.dumps(govrules.evaluate("meeting", {"meeting": MEETING}, pack=p).to_dict(), sort_keys=True)
            for p in (pack, FIXTURE, str(FIXTURE))}
    assert len(outs) == 1


def test_a_directory_without_pack_yaml_is_an_input_error_naming_pack(tmp_path: Path) -> None:
    """pack= pointing at a directory with no pack.yaml is an InputError naming the field 'pack'."""
    with pytest.raises(govrules.InputError) as caught:
        govrules.check_meeting(meeting=MEETING, pack=tmp_path)
    assert caught.value.path == "pack" and "pack.yaml" in str(caught.value)


# ---- overlays: errors with file:line --------------------------------------------------------------


def test_an_unknown_rule_id_in_an_overlay_is_a_ruleset_error_with_its_line_and_a_suggestion(tmp_path: Path) -> None:
    """A misspelt rule id in an overlay names the overlay file and line and suggests the rule meant."""
    pack = govrules.Pack.load(overlay(tmp_path, "ruleset: meeting\nrules:\n  - id: meeting.mayor-office.quorum-not-mett\n"
                                                "    message: x\n"))
    with pytest.raises(govrules.RulesetError) as caught:
        pack.runner("meeting")
    text = str(caught.value)
    assert "overlay/meeting.yaml:3" in text and "did you mean 'meeting.mayor-office.quorum-not-met'" in text


def test_a_bad_quote_in_an_overlay_points_at_the_overlay_file(tmp_path: Path) -> None:
    """A quote the pack's clause does not contain is reported at the overlay's rule, not the base file's."""
    pack = govrules.Pack.load(overlay(tmp_path, "rules:\n  - id: meeting.mayor-office.quorum-met\n"
                                                "    quote: 总人数过半数\n"))
    with pytest.raises(govrules.RulesetError) as caught:
        pack.runner("meeting")
    assert "overlay/meeting.yaml" in str(caught.value) and "not verbatim" in str(caught.value)


@pytest.mark.parametrize("amend, expected", [
    ("  - {clause: '4.33', replace: 每两周, with: 每月}", "did you mean '4.3.3'"),
    ("  - {clause: '4.3', replace: 每三周, with: 每月}", "occurs 0 times in clause 4.3"),
    ("  - {clause: A1.1.s3, replace: 两个工作日, with: 三个工作日}", "occurs 3 times in the regulation's text"),
])
def test_a_wrong_amendment_of_the_text_is_a_ruleset_error_naming_pack_yaml(tmp_path: Path, amend: str,
                                                                            expected: str) -> None:
    """An amend entry with an unknown clause or words not found exactly once is refused at load, at its line."""
    with pytest.raises(govrules.RulesetError) as caught:
        govrules.Pack.load(overlay(tmp_path, pack_extra="amend:\n" + amend + "\n"))
    assert "pack.yaml:4" in str(caught.value) and expected in str(caught.value)


def test_an_unknown_key_in_pack_yaml_is_refused_with_a_suggestion(tmp_path: Path) -> None:
    """pack.yaml with in_force_form: is a RulesetError suggesting in_force_from."""
    with pytest.raises(govrules.RulesetError) as caught:
        govrules.Pack.load(overlay(tmp_path, pack_extra="in_force_form: 2027-01-01\n"))
    assert "did you mean 'in_force_from'" in str(caught.value)


def test_a_failing_pack_leaves_the_shipped_rules_in_effect(tmp_path: Path) -> None:
    """A pack whose overlay fails to load changes nothing: the next plain call gets the shipped verdict."""
    bad = overlay(tmp_path, "rules:\n  - id: no.such.rule\n")
    with pytest.raises(govrules.RulesetError):
        govrules.check_meeting(meeting=MEETING, pack=bad)
    v = govrules.check_meeting(meeting=MEETING)
    assert v.pack == shipped().stamp and "每两周" in govrules.clause("4.3").text


# ---- versions in force ------------------------------------------------------------------------------


def test_as_of_switches_to_the_amendment_exactly_on_its_in_force_date() -> None:
    """2026-12-31 is decided by the shipped version, 2027-01-01 by the amendment (its in_force_from)."""
    before = govrules.check_meeting(meeting=MEETING, pack=FIXTURE, as_of="2026-12-31")
    on = govrules.check_meeting(meeting=MEETING, pack=FIXTURE, as_of="2027-01-01")
    assert before.pack["version"] == "暂行" and before.outcome == "cannot_convene"
    assert on.pack["version"] == "illustrative-monthly" and on.outcome == "can_convene"


def test_as_of_picks_among_several_packs_given_side_by_side(tmp_path: Path) -> None:
    """Two packs with in-force dates: each day gets the version in force then; the earlier ends when the later starts."""
    first = copy_shipped(tmp_path, in_force_from="2020-01-01")
    assert resolve([first, FIXTURE], "2026-06-01").version == "暂行"
    assert resolve([first, FIXTURE], "2027-01-01").version == "illustrative-monthly"


def test_a_day_no_version_covers_is_an_input_error_naming_the_versions(tmp_path: Path) -> None:
    """as_of before the earliest in_force_from is an InputError on as_of that lists the versions there are."""
    first = copy_shipped(tmp_path, in_force_from="2020-01-01")
    with pytest.raises(govrules.InputError) as caught:
        govrules.check_meeting(meeting=MEETING, pack=first, as_of="2019-12-31")
    assert caught.value.path == "as_of" and "暂行 (in force 2020-01-01" in str(caught.value)
    with pytest.raises(govrules.InputError) as bad:
        govrules.check_meeting(meeting=MEETING, as_of="31/12/2026")
    assert bad.value.path == "as_of"


def test_the_decision_log_records_the_pack_that_decided(tmp_path: Path) -> None:
    """A decision log record carries the verdict's pack id, version and hash."""
    log = DecisionLog(tmp_path / "log.jsonl")
    verdict = govrules.check_meeting(meeting=MEETING, pack=FIXTURE, as_of="2027-03-01")
    record = log.record(govrules.Pack.load(FIXTURE).runner("meeting").spec, {"meeting": MEETING}, verdict)
    assert record["pack"] == govrules.Pack.load(FIXTURE).stamp
    r = run("--pack", str(FIXTURE), "check", "meeting", str(_facts(tmp_path)), "--log", str(tmp_path / "cli.jsonl"))
    assert r.exit_code == 0, r.output
    line = json.loads((tmp_path / "cli.jsonl").read_text(encoding="utf-8"))
    assert line["pack"]["version"] == "illustrative-monthly"


def _facts(tmp_path: Path) -> Path:
    path = tmp_path / "facts.json"
    path.write_text(json.dumps({"meeting": MEETING}, ensure_ascii=False), encoding="utf-8")
    return path


# ---- every tool on the fixture ------------------------------------------------------------------------


def test_coverage_passes_on_the_fixture() -> None:
    """`govrules --pack FIXTURE coverage` runs the overlaid cases and finds no gap (exit 0)."""
    r = run("--pack", str(FIXTURE), "coverage")
    assert r.exit_code == 0, r.output[-2000:]
    assert "距前一次镇长办公会议三十二天的" in r.output


def test_lint_passes_on_the_fixture_with_the_option_after_the_command() -> None:
    """`govrules lint --pack FIXTURE` checks each merged ruleset and the overlaid cases (exit 0)."""
    r = run("lint", "--pack", str(FIXTURE))
    assert r.exit_code == 0, r.output
    assert "examples/packs/amended-monthly/meeting.yaml" in r.output


def test_prove_passes_on_the_fixture_meeting() -> None:
    """`govrules --pack FIXTURE prove meeting`: no gap, no overlap under the amended quorum and cutoff."""
    r = run("--pack", str(FIXTURE), "prove", "meeting")
    assert r.exit_code == 0, r.output


def test_a_packs_own_prove_file_without_a_pool_takes_its_base_packs_pool(tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """A pack whose prove file has no pool beside it proves with its base pack's pool, not the shipped one."""
    from govrules import _prove
    from govrules._prove import hints_for_pack, load_pool

    base = copy_shipped(tmp_path)
    pool = (base / "prove-pool.yaml").read_text(encoding="utf-8").replace("李四", "李甲").replace("王五", "王乙")
    (base / "prove-pool.yaml").write_text(pool, encoding="utf-8")
    top = tmp_path / "top"
    top.mkdir()
    (top / "pack.yaml").write_text(f"base: {base}\nversion: with-own-prove-file\n", encoding="utf-8")
    shutil.copy(ruleset_dir() / "meeting.prove.yaml", top / "meeting.prove.yaml")
    hints = hints_for_pack(govrules.Pack.load(top), "meeting")
    assert hints.file == str(top / "meeting.prove.yaml")
    assert hints.pool == load_pool(base / "prove-pool.yaml")
    assert hints.pool.division == {"agriculture": "李甲", "urban": "王乙"}
    seen = []
    monkeypatch.setattr(_prove, "prove", lambda run, hints: seen.append(hints) or _prove.Proof("meeting", 0, 0, 0, (), (), {}))
    monkeypatch.setattr(_prove, "render", lambda proof, spec: "")
    assert run("--pack", str(top), "prove", "meeting").exit_code == 0
    assert [h.pool for h in seen] == [load_pool(base / "prove-pool.yaml")]


def test_docs_are_generated_for_the_fixture_and_then_current(tmp_path: Path) -> None:
    """`docs --out` writes the fixture's pages (its title, the amended words); `docs --check` then passes."""
    out = tmp_path / "pages"
    assert run("--pack", str(FIXTURE), "docs").exit_code == 2  # no --out: docs/regulation is the shipped pack's
    assert run("--pack", str(FIXTURE), "docs", "--out", str(out)).exit_code == 0
    assert run("--pack", str(FIXTURE), "docs", "--check", "--out", str(out)).exit_code == 0
    assert "非真实文件" in (out / "README.md").read_text(encoding="utf-8")
    assert "一般每月召开一次" in (out / "chapter-4.md").read_text(encoding="utf-8")


def test_clause_schema_timeline_and_rulesets_answer_from_the_pack() -> None:
    """clause, timeline and rulesets under --pack show the amended words and deadlines."""
    assert "每月" in run("--pack", str(FIXTURE), "clause", "4.3").output
    assert "2026-09-28" in run("--pack", str(FIXTURE), "timeline", "2026-10-08").output
    assert run("--pack", str(FIXTURE), "schema", "meeting").exit_code == 0
    assert run("--pack", str(FIXTURE), "rulesets").exit_code == 0


def test_batch_with_a_pack_uses_it_in_every_worker(tmp_path: Path) -> None:
    """check --batch with --pack and two workers: every verdict names the fixture and follows its quorum."""
    records = tmp_path / "records.jsonl"
    records.write_text("\n".join(json.dumps({"meeting": MEETING}, ensure_ascii=False) for _ in range(6)) + "\n",
                       encoding="utf-8")
    r = run("--pack", str(FIXTURE), "check", "meeting", "--batch", str(records), "--workers", "2")
    assert r.exit_code == 0, r.output
    verdicts = [json.loads(line) for line in r.stdout.splitlines()]
    assert len(verdicts) == 6
    assert {(v["outcome"], v["pack"]["version"]) for v in verdicts} == {("can_convene", "illustrative-monthly")}


def test_a_bad_pack_on_the_command_line_is_exit_2_naming_it(tmp_path: Path) -> None:
    """--pack at a directory with no pack.yaml exits 2 with a message naming the pack."""
    r = run("--pack", str(tmp_path), "coverage")
    assert r.exit_code == 2 and "pack" in r.output and "pack.yaml" in r.output


# ---- diff --------------------------------------------------------------------------------------------


def test_diff_of_the_shipped_pack_and_the_fixture_pins_the_changes_by_rule() -> None:
    """Exactly four spec cases change: two agenda items newly late, one 15-day interval, one 4-of-7 quorum."""
    tally = Tally()
    diff_cases(shipped(), govrules.Pack.load(FIXTURE), tally)
    result = tally.result(shipped(), govrules.Pack.load(FIXTURE))
    assert result.counts() == {"meeting.agenda.submitted-after-cutoff": 2,
                               "meeting.mayor-office.interval-over-two-weeks": 1,
                               "meeting.mayor-office.quorum-not-met": 1}
    quorum = next(g for g in result.groups if g.rule == "meeting.mayor-office.quorum-not-met").examples[0]
    assert (quorum.before["outcome"], quorum.after["outcome"]) == ("cannot_convene", "can_convene")
    assert result.compared > 200


def test_diff_cli_exits_1_with_json_groups_and_0_on_two_identical_packs(tmp_path: Path) -> None:
    """`govrules diff` exits 1 when verdicts change (JSON groups and counts), 0 with nothing on identical packs."""
    r = run("diff", "govrules:rulesets", str(FIXTURE), "--json")
    assert r.exit_code == 1, r.output
    d = json.loads(r.stdout)
    assert d["changed"] == 4 and {g["rule"]: g["count"] for g in d["groups"]}["meeting.agenda.submitted-after-cutoff"] == 2
    same = run("diff", "govrules:rulesets", str(copy_shipped(tmp_path)))
    assert same.exit_code == 0, same.output
    assert "0 个发生变化" in same.output


def test_diff_streams_records_through_both_packs(tmp_path: Path) -> None:
    """--records adds each record: a 4-of-7 meeting changes under the quorum rule, a 15-day interval under its rule."""
    records = tmp_path / "records.jsonl"
    late = {**MEETING, "leaders": MEETING["leaders"][:4] + [dict(x, present=False) for x in MEETING["leaders"][4:]],
            "previous_date": TWO_WEEKS_LATE}
    lines = [{"meeting": MEETING}, {"meeting": {**MEETING, "leaders": MEETING["leaders"][:3]}}, {"meeting": late}]
    records.write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in lines) + "\nnot json\n", encoding="utf-8")
    r = run("diff", "govrules:rulesets", str(FIXTURE), "--records", str(records), "--ruleset", "meeting",
            "--json", "--workers", "1")
    assert r.exit_code == 1, r.output
    d = json.loads(r.stdout)
    by_source = {e["source"]: e for g in d["groups"] for e in g["examples"] if e["source"].startswith(str(records))}
    assert sorted(by_source) == [f"{records}:1", f"{records}:3"]
    assert by_source[f"{records}:1"]["rule"] == "meeting.mayor-office.quorum-not-met"
    assert d["skipped"] == 1
    assert run("diff", "govrules:rulesets", str(FIXTURE), "--records", str(records)).exit_code == 2


def test_diff_reads_records_from_stdin_with_a_dash() -> None:
    """`--records -` streams standard input through both packs, read once, reported as <stdin>:LINE."""
    late = {**MEETING, "leaders": MEETING["leaders"][:4] + [dict(x, present=False) for x in MEETING["leaders"][4:]]}
    text = "\n".join(json.dumps(x, ensure_ascii=False) for x in ({"meeting": MEETING}, {"meeting": late})) + "\n"
    r = CliRunner().invoke(cli, ["diff", "govrules:rulesets", str(FIXTURE), "--records", "-", "--ruleset", "meeting",
                                 "--json", "--workers", "1", "--examples", "9"], input=text)
    assert r.exit_code == 1, r.output
    d = json.loads(r.stdout)
    sources = sorted(e["source"] for g in d["groups"] for e in g["examples"] if e["source"].startswith("<stdin>"))
    assert sources == ["<stdin>:1", "<stdin>:2"]
    assert d["compared"] == 245 + 2 and d["skipped"] == 0


@pytest.mark.parametrize(("day", "changed", "version"), [("2026-12-31", 0, "暂行"), ("2027-01-01", 4, "illustrative-monthly")])
def test_diff_as_of_compares_the_versions_in_force_on_that_day(day: str, changed: int, version: str) -> None:
    """`diff --as-of DAY` takes each side's version in force on DAY: the day before the amendment nothing changes."""
    r = run("diff", "govrules:rulesets", str(FIXTURE), "--as-of", day, "--json")
    assert r.exit_code == (1 if changed else 0), r.output
    d = json.loads(r.stdout)
    assert (d["changed"], d["amended"]["version"], d["base"]["version"]) == (changed, version, "暂行")
    assert json.loads(run("--as-of", day, "diff", "govrules:rulesets", str(FIXTURE), "--json").stdout)["changed"] == changed


def test_diff_as_of_a_day_no_version_covers_is_exit_2_naming_the_side_and_the_versions(tmp_path: Path) -> None:
    """A day neither version of AMENDED covers is exit 2 naming AMENDED, as_of and the versions there are."""
    dated = copy_shipped(tmp_path, in_force_from="2030-01-01")
    r = run("diff", "govrules:rulesets", str(dated), "--as-of", "2029-06-01")
    assert r.exit_code == 2
    assert "AMENDED" in r.output and "as_of" in r.output and "2030-01-01" in r.output


# ---- a second town's own pack -------------------------------------------------------------------------

SECOND_TOWN = ROOT / "examples" / "packs" / "second-town"


def test_a_second_towns_pack_written_without_python_passes_lint_and_coverage() -> None:
    """docs/packs.md's second town (its own text, catalogue, types, one rule file, cases) lints and covers cleanly."""
    assert run("--pack", str(SECOND_TOWN), "lint").exit_code == 0
    r = run("--pack", str(SECOND_TOWN), "coverage")
    assert r.exit_code == 0, r.output
    assert "可判定条款 1/1" in r.output
    assert govrules.Pack.load(SECOND_TOWN).available() == ["quorum"]  # clauses.yaml is not a rule file


def test_the_pack_command_names_every_version_of_the_pack_in_effect() -> None:
    """`govrules --pack FIXTURE pack --json` lists the fixture and the shipped version it amends."""
    r = run("--pack", str(FIXTURE), "pack", "--json")
    assert r.exit_code == 0, r.output
    d = json.loads(r.output)
    assert [v["version"] for v in d["versions"]] == ["illustrative-monthly", "暂行"]
    assert d["in_force_from"] == "2027-01-01" and "meeting" in d["rulesets"]


def test_an_edited_base_is_seen_by_the_overlay_loaded_again(tmp_path: Path) -> None:
    """When a base pack's file changes, loading its overlay again gives a new hash (no stale base)."""
    base = copy_shipped(tmp_path)
    top = tmp_path / "top"
    top.mkdir()
    (top / "pack.yaml").write_text("base: ../copy\nversion: top\n", encoding="utf-8")
    before = govrules.Pack.load(top).hash
    (base / "seal.cases.yaml").write_text((base / "seal.cases.yaml").read_text(encoding="utf-8") + "# edited\n",
                                          encoding="utf-8")
    assert govrules.Pack.load(top).hash != before


def test_docs_give_a_page_to_every_top_level_clause_of_another_pack(tmp_path: Path) -> None:
    """A pack whose catalogue has a top-level id the shipped chapters lack still gets a page for it."""
    town = tmp_path / "town"
    shutil.copytree(SECOND_TOWN, town)
    text = (town / "example-town-work-rules.zh.txt").read_text(encoding="utf-8") + "\n七、其他\n本规则由镇政府办公室负责解释。\n"
    (town / "example-town-work-rules.zh.txt").write_text(text, encoding="utf-8")
    with (town / "clauses.yaml").open("a", encoding="utf-8") as f:
        f.write('  - id: "7"\n    label: 七、其他\n    text: 七、其他 本规则由镇政府办公室负责解释。\n'
                "    computable: false\n    reason: 解释权的归属，不是可由事实判定的条件。\n")
    out = tmp_path / "pages"
    assert run("--pack", str(town), "docs", "--out", str(out)).exit_code == 0
    assert "本规则由镇政府办公室负责解释" in (out / "chapter-7.md").read_text(encoding="utf-8")


def test_the_service_answers_with_the_pack_it_was_started_with() -> None:
    """create_app(pack=DIR): /healthz names the pack; a check and a clause answer from it."""
    from starlette.testclient import TestClient

    from govrules._serve import create_app

    client = TestClient(create_app(pack=str(FIXTURE)))
    assert client.get("/healthz").json()["pack"]["version"] == "illustrative-monthly"
    assert "每月" in client.get("/v1/clauses/4.3").json()["text"]
    body = client.post("/v1/check/meeting", json={"meeting": MEETING}).json()
    assert body["outcome"] == "can_convene" and body["pack"]["version"] == "illustrative-monthly"


def test_lint_of_a_pack_directory_lints_it_as_a_pack() -> None:
    """`govrules lint DIR` on a pack directory applies its overlays and runs its cases under it (exit 0)."""
    r = run("lint", str(FIXTURE), str(SECOND_TOWN))
    assert r.exit_code == 0, r.output
    assert "ok  meeting cases  (59 cases)" in r.output and "ok  quorum cases  (4 cases)" in r.output


def test_lint_of_an_overlay_rule_file_by_path_lints_it_applied_to_its_packs_base() -> None:
    """`govrules lint PACK/meeting.yaml` (an overlay) lints the ruleset the pack makes of it, cases included, only it."""
    r = run("lint", str(FIXTURE / "meeting.yaml"))
    assert r.exit_code == 0, r.output
    assert f"{ruleset_dir() / 'meeting.yaml'}, {FIXTURE / 'meeting.yaml'}" in r.output
    assert "ok  meeting cases  (59 cases)" in r.output and "signing" not in r.output
    assert run("lint", str(FIXTURE / "meeting.cases.yaml")).output == r.output
    assert run("lint", str(SECOND_TOWN / "quorum.yaml")).exit_code == 0  # a pack's own rule file: its catalogue's quotes


def test_lint_of_a_broken_overlay_rule_file_by_path_names_the_overlays_line_with_a_suggestion(tmp_path: Path) -> None:
    """A misspelt rule id in an overlay linted by path is exit 1 with the overlay's file:line and did-you-mean."""
    top = overlay(tmp_path, "ruleset: meeting\nrules:\n  - id: meeting.mayor-office.quorum-not-mett\n    message: x\n")
    r = run("lint", str(top / "meeting.yaml"))
    assert r.exit_code == 1
    assert "overlay/meeting.yaml:3" in r.output and "did you mean 'meeting.mayor-office.quorum-not-met'" in r.output


def test_a_catalogue_disagreeing_with_its_text_names_the_clause_and_how_clause_texts_are_written(tmp_path: Path) -> None:
    """A second town's clauses.yaml that misquotes its text is a RulesetError naming the clause and docs/catalogue.md."""
    town = tmp_path / "town"
    shutil.copytree(SECOND_TOWN, town)
    cat = (town / "clauses.yaml").read_text(encoding="utf-8").replace("text: （二）镇长办公会议须有过半数", "text: （二）镇长办公会须有过半数")
    (town / "clauses.yaml").write_text(cat, encoding="utf-8")
    with pytest.raises(govrules.RulesetError) as caught:
        govrules.Pack.load(town)
    text = str(caught.value)
    assert "clauses.yaml" in text and "1.2 (一（二）)" in text and "docs/catalogue.md" in text


def test_prove_of_an_overlay_rule_file_by_path_proves_the_ruleset_its_pack_makes(monkeypatch: pytest.MonkeyPatch) -> None:
    """`govrules prove PACK/meeting.yaml` proves the overlay applied to its base (not the overlay alone)."""
    from govrules import _prove

    seen = []
    monkeypatch.setattr(_prove, "prove", lambda run, hints: seen.append(run.spec) or _prove.Proof("meeting", 0, 0, 0, (), (), {}))
    monkeypatch.setattr(_prove, "render", lambda proof, spec: "")
    assert run("prove", str(FIXTURE / "meeting.yaml")).exit_code == 0
    quorum = next(r for r in seen[0].rules if r.id == "meeting.mayor-office.quorum-met")
    assert "过半数" in quorum.quote and len(seen[0].rules) == 22
    assert govrules.check_meeting(meeting=MEETING).outcome == "cannot_convene"  # the shipped rules again afterwards


def test_coverage_of_a_file_in_a_pack_says_to_run_coverage_on_the_pack() -> None:
    """`govrules coverage PACK/meeting.yaml` is exit 2 telling the user to run `govrules --pack PACK coverage`."""
    r = run("coverage", str(FIXTURE / "meeting.yaml"))
    assert r.exit_code == 2
    assert f"govrules --pack {FIXTURE} coverage" in r.output


def test_the_second_towns_prove_reaches_every_outcome_of_its_quorum() -> None:
    """`govrules --pack second-town prove quorum` passes with its own prove file, and some class can convene."""
    r = run("--pack", str(SECOND_TOWN), "prove", "quorum")
    assert r.exit_code == 0, r.output
    assert "can_convene" in r.output and "cannot_convene" in r.output and "undetermined" in r.output


def test_diff_refuses_pack_since_it_names_its_two_packs_itself() -> None:
    """`govrules --pack DIR diff BASE AMENDED` is exit 2 saying diff names its packs itself."""
    r = run("--pack", str(FIXTURE), "diff", "govrules:rulesets", str(FIXTURE))
    assert r.exit_code == 2 and "without --pack" in r.output


def test_lint_of_a_pack_with_a_failing_case_names_the_case_at_its_line_and_exits_1(tmp_path: Path) -> None:
    """A pack whose case expects the wrong outcome: lint prints `file:line: case '…'` for it and exits 1."""
    town = tmp_path / "town"
    shutil.copytree(SECOND_TOWN, town)
    cases = town / "quorum.cases.yaml"
    text = cases.read_text(encoding="utf-8")
    first = text.index("outcome: ")
    end = text.index("\n", first)
    wrong = "outcome: no_such_outcome"
    cases.write_text(text[:first] + wrong + text[end:], encoding="utf-8")
    r = run("lint", str(town))
    assert r.exit_code == 1, r.output
    name_line = text[:first].rindex("  - name: ")
    line = text[:name_line].count("\n") + 1  # a case is named at its `- name:` line
    failing = [ln for ln in r.output.splitlines() if ": case '" in ln]
    assert len(failing) == 1 and failing[0].startswith(f"{cases}:{line}: case '五名领导成员出席三名")
    assert "ok  quorum cases" not in r.output and "1 ruleset(s) with problems" in r.output

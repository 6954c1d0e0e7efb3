"""Regulation packs: defects found in review (overlays on odd bases, packs without a timeline, stale caches)."""

from __future__ import annotations

import gc
import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

import govrules
from govrules import _timeline
from govrules._cli import cli
from govrules._packs import resolve

ROOT = Path(__file__).resolve().parent.parent
SECOND_TOWN = ROOT / "examples" / "packs" / "second-town"


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


def _town(tmp_path: Path, name: str = "town") -> Path:
    target = tmp_path / name
    shutil.copytree(SECOND_TOWN, target)
    return target


def _quorum_overlay(tmp_path: Path, quorum_text: str) -> Path:
    """A pack "top" over "base" in ``tmp_path`` whose quorum.yaml overlay is ``quorum_text``."""
    top = tmp_path / "top"
    top.mkdir()
    (top / "pack.yaml").write_text("base: ../base\nversion: top\n", encoding="utf-8")
    (top / "quorum.yaml").write_text(quorum_text, encoding="utf-8")
    return top


def _touch_later(path: Path, text: str) -> None:
    """Write ``text`` and move the mtime on, so a same-size edit in the same clock tick is still seen."""
    before = path.stat().st_mtime_ns
    path.write_text(text, encoding="utf-8")
    os.utime(path, ns=(before + 2_000_000_000, before + 2_000_000_000))


@pytest.mark.parametrize("key", ["derive", "data", "time_nodes", "facts", "inferred"])
@pytest.mark.parametrize("base_value", ["", " []"])
def test_an_overlay_on_a_base_whose_section_is_not_a_mapping_is_the_bases_ruleset_error(
        tmp_path: Path, key: str, base_value: str) -> None:
    """An overlay changing derive/data/… of a base file where that key is empty or a list is a RulesetError, not a crash."""
    base = _town(tmp_path, "base")
    quorum = base / "quorum.yaml"
    text = quorum.read_text(encoding="utf-8")
    text += f"\n{key}:{base_value}\n" if f"\n{key}:" not in text else ""
    lines = text.splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith(f"{key}:"))
    end = next((j for j in range(at + 1, len(lines)) if lines[j][:1] not in (" ", "#", "")), len(lines))
    lines[at:end] = [f"{key}:{base_value}"]
    quorum.write_text("\n".join(lines) + "\n", encoding="utf-8")
    top = _quorum_overlay(tmp_path, f"{key}:\n  some.entry: {{label: x}}\n")
    with pytest.raises(govrules.RulesetError) as caught:
        govrules.Pack.load(top).runner("quorum")
    assert "quorum.yaml" in str(caught.value) and f"'{key}'" in str(caught.value)
    r = run("--pack", str(top), "lint")
    assert r.exit_code != 0 and "Traceback" not in r.output and "internal error" not in r.output, r.output


@pytest.mark.parametrize("command", [["timeline", "2027-01-04"], ["schedule", "2027-01-04", "--json"]])
def test_timeline_and_schedule_of_a_pack_without_a_timeline_exit_2_naming_the_pack(command: list[str]) -> None:
    """--pack second-town timeline/schedule: exit 2 with a message naming the pack's directory, no traceback."""
    r = run("--pack", str(SECOND_TOWN), *command)
    assert r.exit_code == 2, r.output
    assert "Traceback" not in r.output and "internal error" not in r.output, r.output
    assert str(SECOND_TOWN) in r.output and "timeline" in r.output and "rulesets" not in r.output, r.output


def test_meeting_timeline_under_a_pack_without_a_timeline_is_a_ruleset_error_naming_that_pack() -> None:
    """The library's RulesetError for a pack with no 'timeline' names the pack's directory, not the shipped one."""
    with govrules.Pack.load(SECOND_TOWN).active():
        with pytest.raises(govrules.RulesetError) as caught:
            govrules.meeting_timeline("2027-01-04")
    assert caught.value.file.startswith(str(SECOND_TOWN)) and "docs/timeline.md" in str(caught.value)


def test_a_catalogue_outside_the_pack_edited_on_disk_is_seen_when_the_pack_is_loaded_again(tmp_path: Path) -> None:
    """A pack whose catalogue: is ../shared/clauses.yaml reloads (new words, new hash) when that file and its text change."""
    shared, town = tmp_path / "shared", tmp_path / "town"
    shared.mkdir()
    town.mkdir()
    for name in ("clauses.yaml", "example-town-work-rules.zh.txt"):
        shutil.copy(SECOND_TOWN / name, shared / name)
    for name in ("pack.yaml", "types.yaml", "quorum.yaml", "quorum.cases.yaml"):
        shutil.copy(SECOND_TOWN / name, town / name)
    meta = town / "pack.yaml"
    meta.write_text(meta.read_text(encoding="utf-8").replace("catalogue: clauses.yaml",
                                                             "catalogue: ../shared/clauses.yaml"), encoding="utf-8")
    before = govrules.Pack.load(town)
    with before.active():
        assert "每月" in govrules.clause("1.1").text
    for name in ("clauses.yaml", "example-town-work-rules.zh.txt"):
        f = shared / name
        _touch_later(f, f.read_text(encoding="utf-8").replace("一般每月召开一次", "一般每周召开一次"))
    after = govrules.Pack.load(town)
    assert after.hash != before.hash
    with after.active():
        assert "每周" in govrules.clause("1.1").text


def test_the_timeline_cache_does_not_keep_a_pack_alive(tmp_path: Path) -> None:
    """A pack whose timeline was computed is freed once nothing else holds it (the cache keeps no pack for ever)."""
    import weakref

    from govrules import _packs

    top = tmp_path / "top"
    shutil.copytree(ROOT / "examples" / "packs" / "amended-monthly", top)
    pack = govrules.Pack.load(top)
    with pack.active():
        assert govrules.meeting_timeline("2026-10-08").to_dict()["agenda_cutoff"]["date"] == "2026-09-28"
    ref = weakref.ref(pack)
    del pack
    _packs._load_cached.cache_clear()
    gc.collect()
    assert ref() is None
    assert govrules.meeting_timeline("2026-10-08").to_dict()["agenda_cutoff"]["date"] == "2026-09-29"


def test_a_yaml_syntax_error_in_pack_yaml_points_at_docs_packs_md(tmp_path: Path) -> None:
    """Invalid YAML in pack.yaml is a RulesetError at its file:line:col whose hint names docs/packs.md."""
    town = _town(tmp_path)
    (town / "pack.yaml").write_text("id: x\nversion: [1\ntitle: t\n", encoding="utf-8")
    with pytest.raises(govrules.RulesetError) as caught:
        govrules.Pack.load(town)
    err = caught.value
    assert err.file.endswith("pack.yaml") and err.line is not None and err.col is not None
    assert err.hint is not None and "docs/packs.md" in err.hint


def test_an_amendment_across_a_line_break_of_the_text_amends_it(tmp_path: Path) -> None:
    """amend: words the text wraps over a line break (one space in clauses.yaml) are found and replaced in text and clause."""
    base = _town(tmp_path, "base")
    text_file = base / "example-town-work-rules.zh.txt"
    text_file.write_text(text_file.read_text(encoding="utf-8").replace("一般每月召开一次", "一般每月召开\n一次"),
                         encoding="utf-8")
    clauses = base / "clauses.yaml"
    clauses.write_text(clauses.read_text(encoding="utf-8").replace("一般每月召开一次", "一般每月召开 一次"),
                       encoding="utf-8")
    govrules.Pack.load(base)  # the wrapped text and its catalogue agree
    top = tmp_path / "top"
    top.mkdir()
    (top / "pack.yaml").write_text("base: ../base\nversion: weekly\namend:\n"
                                   "  - {clause: '1.1', replace: 一般每月召开 一次, with: 一般每周召开一次}\n",
                                   encoding="utf-8")
    with govrules.Pack.load(top).active():
        assert "一般每周召开一次，由镇长" in govrules.clause("1.1").text
        assert "一般每周召开一次，由镇长" in govrules.clause("1").text



def test_an_amendment_in_force_before_its_base_is_refused_at_its_line(tmp_path: Path) -> None:
    """An overlay whose in_force_from is not after its base's is a RulesetError at that line (as_of would pick the base after it)."""
    top = tmp_path / "top"
    top.mkdir()
    (top / "pack.yaml").write_text(f"base: {SECOND_TOWN}\nversion: amended\nin_force_from: 2026-07-01\n",
                                   encoding="utf-8")
    with pytest.raises(govrules.RulesetError) as caught:
        govrules.Pack.load(top)
    assert caught.value.line == 3 and "2027-01-01" in str(caught.value)
    (top / "pack.yaml").write_text(f"base: {SECOND_TOWN}\nversion: amended\nin_force_from: 2027-07-01\n",
                                   encoding="utf-8")
    assert resolve(top, "2028-01-01").version == "amended"


@pytest.mark.parametrize("base_text", ["", "[1]\n", "just words\n"])
def test_an_overlay_on_a_base_rule_file_that_is_not_a_mapping_is_the_bases_ruleset_error(
        tmp_path: Path, base_text: str) -> None:
    """An overlay on an empty (or list, or scalar) base rule file reports the base file's RulesetError, not a crash."""
    base = _town(tmp_path, "base")
    (base / "quorum.yaml").write_text(base_text, encoding="utf-8")
    top = _quorum_overlay(tmp_path, "title: x\nrules:\n  - {id: quorum.met, message: y}\n")
    with pytest.raises(govrules.RulesetError) as caught:
        govrules.Pack.load(top).runner("quorum")
    assert caught.value.file.endswith(str(Path("base") / "quorum.yaml")), str(caught.value)
    assert "mapping" in str(caught.value)


def test_an_overlay_rule_entry_with_an_empty_id_is_a_ruleset_error_at_its_line(tmp_path: Path) -> None:
    """rules: [{id: (empty)}] in an overlay names the overlay's line, even when a base rule entry has no id either."""
    base = _town(tmp_path, "base")
    quorum = base / "quorum.yaml"
    quorum.write_text(quorum.read_text(encoding="utf-8").rstrip("\n") + "\n  - not a rule\n", encoding="utf-8")
    top = _quorum_overlay(tmp_path, "rules:\n  - id:\n    message: y\n")
    with pytest.raises(govrules.RulesetError) as caught:
        govrules.Pack.load(top).runner("quorum")
    assert "top" in caught.value.file and caught.value.line == 2 and "'id'" in str(caught.value)


FIXTURE = ROOT / "examples" / "packs" / "amended-monthly"


def _records(tmp_path: Path) -> tuple[Path, str]:
    import json
    import sys

    sys.path.insert(0, str(ROOT / "tests"))
    from test_packs import MEETING

    text = "\n".join(json.dumps({"meeting": MEETING}, ensure_ascii=False) for _ in range(2)) + "\n"
    return tmp_path / "records.jsonl", text


def test_diff_records_not_in_utf8_exit_2_naming_the_file_and_read_with_encoding(tmp_path: Path) -> None:
    """diff --records of a GB18030 file is exit 2 saying it is not UTF-8 (as check --batch), and --encoding reads it."""
    import json

    path, text = _records(tmp_path)
    path.write_bytes(text.encode("gb18030"))
    args = ["diff", "govrules:rulesets", str(FIXTURE), "--records", str(path), "--ruleset", "meeting",
            "--workers", "1", "--json"]
    r = run(*args)
    assert r.exit_code == 2 and "not UTF-8" in r.output and str(path) in r.output, r.output
    ok = run(*args, "--encoding", "gb18030")
    assert ok.exit_code == 1, ok.output
    d = json.loads(ok.stdout)
    assert d["skipped"] == 0 and d["compared"] == 245 + 2


def test_diff_records_that_are_one_pretty_printed_document_exit_2(tmp_path: Path) -> None:
    """diff --records of one pretty-printed JSON document is refused (exit 2), not skipped line by line."""
    import json

    path, text = _records(tmp_path)
    path.write_text(json.dumps(json.loads(text.splitlines()[0]), ensure_ascii=False, indent=2), encoding="utf-8")
    r = run("diff", "govrules:rulesets", str(FIXTURE), "--records", str(path), "--ruleset", "meeting",
            "--workers", "1")
    assert r.exit_code == 2 and "one JSON document" in r.output, r.output


def test_the_service_started_with_a_pack_without_a_timeline_answers_404_not_500() -> None:
    """GET /v1/timeline/{date} under a pack that declares no timeline is a 404 problem naming why, not a 500."""
    from starlette.testclient import TestClient

    from govrules._serve import create_app

    client = TestClient(create_app(pack=str(SECOND_TOWN)), raise_server_exceptions=False)
    r = client.get("/v1/timeline/2027-01-04")
    assert r.status_code == 404, r.text
    body = r.json()
    assert body["type"] == "urn:govrules:problem:no-timeline" and "timeline" in body["detail"]
    assert str(SECOND_TOWN) not in body["detail"]  # no server path in an answer


def test_the_openapi_document_of_a_service_with_a_pack_without_a_timeline_is_served() -> None:
    """/openapi.json under a pack with no timeline is 200; its timeline route answers only the 404 problem."""
    from starlette.testclient import TestClient

    from govrules._serve import create_app

    client = TestClient(create_app(pack=str(SECOND_TOWN)), raise_server_exceptions=False)
    r = client.get("/openapi.json")
    assert r.status_code == 200, r.text
    doc = r.json()
    assert "Timeline" not in doc["components"]["schemas"]
    assert list(doc["paths"]["/v1/timeline/{date}"]["get"]["responses"]) == ["404"]


def test_a_file_replaced_while_the_pack_is_listed_does_not_escape_as_an_os_error(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A file listed in the pack's directory but gone when read (an editor's atomic save) is skipped, not a FileNotFoundError."""
    town = _town(tmp_path)
    ghost = town / ".quorum.yaml.swp.yaml"  # listed, then renamed away before it is read
    real_iterdir, real_is_file = Path.iterdir, Path.is_file

    def iterdir(self: Path):
        yield from real_iterdir(self)
        if self == town.resolve() or self == town:
            yield ghost

    monkeypatch.setattr(Path, "iterdir", iterdir)
    monkeypatch.setattr(Path, "is_file", lambda self: True if self == ghost else real_is_file(self))
    pack = govrules.Pack.load(town)
    assert pack.version == "2027" and pack.available() == ["quorum"]


def test_an_unknown_ruleset_lists_the_choices_once(tmp_path: Path) -> None:
    """An unknown ruleset's InputError names every ruleset once, with a did-you-mean only when one is close."""
    with pytest.raises(govrules.InputError) as far:
        govrules.evaluate("signin", {}, pack=str(SECOND_TOWN))
    assert str(far.value).count("quorum") == 1 and "did you mean" not in str(far.value)
    with pytest.raises(govrules.InputError) as near:
        govrules.evaluate("quorom", {}, pack=str(SECOND_TOWN))
    assert "one of quorum; did you mean 'quorum'?" in str(near.value)
    with pytest.raises(govrules.InputError) as shipped:
        govrules.evaluate("xyz", {})
    assert str(shipped.value).count("signing") == 1


def test_diff_of_packs_sharing_no_ruleset_is_exit_2_naming_each_sides_rulesets() -> None:
    """`diff` of two packs with no ruleset in common exits 2 listing both sides' rulesets (it reported 0 changed, exit 0)."""
    r = CliRunner().invoke(cli, ["diff", str(ROOT / "rulesets"), str(SECOND_TOWN)])
    assert r.exit_code == 2, r.output
    assert "share no ruleset" in r.output and "has quorum" in r.output and "signing" in r.output


def test_diff_ruleset_without_records_is_exit_2() -> None:
    """`diff --ruleset NAME` without --records is refused (it was silently ignored)."""
    r = CliRunner().invoke(cli, ["diff", str(ROOT / "rulesets"), str(FIXTURE), "--ruleset", "meeting"])
    assert r.exit_code == 2 and "--records" in r.output


def test_diff_records_for_a_ruleset_one_side_lacks_names_that_side(tmp_path: Path) -> None:
    """`diff --records F --ruleset meeting` against a pack without meeting names AMENDED and what it has."""
    records = tmp_path / "r.jsonl"
    records.write_text('{"meeting": {}}\n', encoding="utf-8")
    r = CliRunner().invoke(cli, ["diff", str(ROOT / "rulesets"), str(SECOND_TOWN),
                                 "--records", str(records), "--ruleset", "meeting"])
    assert r.exit_code == 2 and "AMENDED (" in r.output and "has no ruleset 'meeting'" in r.output
    assert "it has quorum" in r.output


def test_help_after_pack_shows_that_packs_title() -> None:
    """`govrules --pack DIR --help` names the pack's regulation; plain `--help` the shipped one."""
    r = run("--pack", str(SECOND_TOWN), "--help")
    assert r.exit_code == 0 and "示例镇人民政府工作规则" in r.output and "颛桥" not in r.output, r.output
    plain = run("--help")
    assert "颛桥镇人民政府工作规则" in plain.output


def test_diff_records_skipped_under_both_packs_are_named_with_their_line_and_reason(tmp_path: Path) -> None:
    """A record with no verdict under either pack is reported by file:line and reason (text and --json), not only counted."""
    import json

    path, text = _records(tmp_path)
    path.write_text(text + "not json\n" + json.dumps({"meeting": {"leaders": "seven"}}) + "\n", encoding="utf-8")
    args = ["diff", "govrules:rulesets", str(FIXTURE), "--records", str(path), "--ruleset", "meeting", "--workers", "1"]
    d = json.loads(run(*args, "--json").stdout)
    assert d["skipped"] == 2
    assert [s["source"] for s in d["skipped_examples"]] == [f"{path}:3", f"{path}:4"]
    assert d["skipped_examples"][0]["reason"].startswith("not valid JSON")
    assert d["skipped_examples"][1]["reason"].startswith("InputError: meeting.kind")
    report = run(*args).output
    assert f"{path}:3  not valid JSON" in report and f"{path}:4  InputError: meeting.kind" in report, report
    few = json.loads(run(*args, "--json", "--examples", "1").stdout)
    assert few["skipped"] == 2 and [s["source"] for s in few["skipped_examples"]] == [f"{path}:3"]

"""The `govrules` command: check facts, show a clause, lint rule files."""

from __future__ import annotations

import json
import sys
import traceback
from pathlib import Path
from typing import Any, Sequence

import click

from . import _catalogue, _coverage, _docs, _prove
from ._batch_cli import cli_batch
from ._cases import check_case, evaluator_for, load_cases, load_overlaid_cases
from ._cli_diff import diff_command
from ._cli_common import (
    EXIT_ALLOWED, EXIT_LOG_FAILED, EXIT_NOT_ALLOWED, _Fail, calendar_option, given_pack, make_calendar, pack_params,
    with_pack,
)
from ._cli_serve import schema_command, serve_command
from ._cli_timeline import schedule_command, timeline_command
from ._errors import CalendarError, GovrulesError, InputError, RulesetError
from ._facade import _evaluate
from ._facts_io import read_facts as _read_facts
from ._load import PROVE_POOL_FILE, TYPES_FILE
from ._log import DecisionLog, DecisionLogError
from ._model import Verdict
from ._remedies import render_remedies
from ._packs import Pack
from ._packs import active as active_pack
from ._packs import shipped as shipped_pack
from ._rulesets import PACK_FILE, available, load_file, ruleset_dir, runner, runner_for_file
from ._yaml import load_yaml, plain

SEVERITY_ZH = _docs.SEVERITY_ZH


def read_facts(path: str, encoding: str | None = None) -> Any:
    """Facts from a .json or .yaml file (``-``: stdin); every problem is a clear error naming the file."""
    return _read_facts(path, encoding)


def render(verdict: Verdict, title: str = "") -> str:
    """A verdict as a clerk reads it: outcome, then each finding with its clause's words."""
    spec = runner(verdict.ruleset).spec
    outcome = spec.outcome(verdict.outcome)
    lines = [f"规则集 {verdict.ruleset}：{title or spec.title}",
             f"结论：{outcome.label}（{verdict.outcome}）—— {'可以办理' if verdict.allowed else '不可办理'}",
             "依据：" + "、".join(_catalogue.clause(c).label for c in verdict.clauses), ""]
    for f in verdict.findings:
        lines.append(f"[{SEVERITY_ZH.get(f.severity, f.severity)}] {f.label}  {f.rule}")
        lines.append(f"    原文：「{f.quote}」")
        lines.append(f"    {f.message}")
        if f.data:
            lines.append("    " + json.dumps(f.data, ensure_ascii=False, sort_keys=True))
    if verdict.needs:
        # CONTRACT §2: what the caller did not say and must supply; [影响结论] marks those
        # that decide the outcome, the others decide a finding only.
        if lines[-1]:
            lines.append("")
        lines.append("需补充：")
        for n in verdict.needs:
            mark = "影响结论" if n.outcome else "影响核查"
            lines.append(f"  [{mark}] {n.path}（{n.label}）  依据 {_catalogue.clause(n.clause).label}")
            lines.append(f"    {n.message}")
    if verdict.data:
        lines.append("")
        lines.append("数据：")
        for k in verdict.data:
            if k == "remedies":
                continue  # shown in words by --explain (and not computed unless asked for)
            lines.append(f"  {k}: {json.dumps(verdict.data[k], ensure_ascii=False, sort_keys=True)}")
    return "\n".join(lines)


def render_trace(verdict: Verdict) -> str:
    lines = ["推理链（按触发顺序）："]
    for i, step in enumerate(verdict.trace, 1):
        lines.append(f"  {i}. {step.rule}  [{_catalogue.clause(step.clause).label}]")
        for name, fact in step.matched.items():
            shown = {k: v for k, v in fact.items() if k != "type"}
            lines.append(f"       匹配 {name}: {json.dumps(shown, ensure_ascii=False, sort_keys=True)}")
        for fact in step.asserted:
            lines.append(f"       推出 {json.dumps(fact, ensure_ascii=False, sort_keys=True)}")
    return "\n".join(lines)


class _Group(click.Group):
    def format_help_text(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # The title is the catalogue's (of --pack's pack when one was given before --help), read
        # when help is shown, not when the module is imported.
        title = _catalogue.regulation_title()
        if ctx.meta.get("govrules.pack"):
            try:
                found = given_pack()
            except _Fail:
                found = None  # a bad --pack is reported by the command; the help still prints
            if found is not None:
                with found.active():
                    title = _catalogue.regulation_title()
        self.help = f"《{title}》 as executable rules: verdicts that cite their clauses."
        super().format_help_text(ctx, formatter)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="govrules")
def cli() -> None:
    """The regulation as executable rules: verdicts that cite their clauses."""


cli.params.extend(pack_params())  # `govrules --pack DIR --as-of DAY <command>` (docs/packs.md)


class _CheckCommand(click.Command):
    """`check --help` names the rulesets, read from the rule files present when help is asked for."""

    def format_epilog(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        from ._rulesets import available

        with formatter.section("Rulesets"):
            formatter.write_text(", ".join(available()) + "  (`govrules rulesets` gives their titles)")
        super().format_epilog(ctx, formatter)


@cli.command(cls=_CheckCommand)
@click.argument("ruleset")
@click.argument("facts", type=click.Path(dir_okay=False, allow_dash=True), required=False)
@click.option("--json", "as_json", is_flag=True, help="Print the verdict as JSON (the contract's shape).")
@click.option("--batch", "batch_path", type=click.Path(dir_okay=False, allow_dash=True),
              help="Evaluate every record of this JSON Lines file (- for stdin): one JSON verdict per line.")
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="Processes for --batch (default: one per core).")
@click.option("--trace", is_flag=True, help="Also print the chain of fired rules and the facts each matched.")
@click.option("--explain", is_flag=True,
              help="Print the trace and, when not allowed, the smallest changes of facts that would allow it.")
@click.option("--remedies/--no-remedies", default=None,
              help="Include data.remedies (the smallest changes that would allow it): on by default for one "
                   "check, off for --batch, where finding them re-evaluates every refused record and takes "
                   "most of the time.")
@click.option("--encoding", default=None,
              help="The encoding of FACTS or --batch records (default UTF-8, with or without a BOM), "
                   "e.g. gb18030 for files saved by Chinese Windows programs.")
@click.option("--log", "log_path", type=click.Path(dir_okay=False),
              help="Append the decision to this JSON Lines log (input hash only, no input values).")
@click.option("--log-key-file", type=click.Path(dir_okay=False),
              help="A file holding the secret that keys the log's input hash (default: $GOVRULES_LOG_KEY, "
                   "else a random key used once). Exit 3 when the log cannot be written.")
@calendar_option
def check(ruleset: str, facts: str | None, as_json: bool, trace: bool, log_path: str | None,
          calendars: Sequence[str], batch_path: str | None = None, workers: int | None = None,
          explain: bool = False, remedies: bool | None = None, encoding: str | None = None,
          log_key_file: str | None = None) -> None:
    """Evaluate FACTS (.json or .yaml; - reads stdin) with RULESET; exit 0 allowed, 1 not allowed, 2 bad input, 3 not logged.

    With --batch instead of FACTS: exit 0 when every record had a verdict, 2 when any was skipped,
    130/143 when stopped by Ctrl-C/SIGTERM (see docs/batch.md).
    """
    if batch_path is not None or facts is None:
        if facts is not None or batch_path is None:
            raise _Fail("give either FACTS or --batch RECORDS.jsonl" if facts is None
                        else "give either FACTS or --batch, not both")
        sys.exit(cli_batch(ruleset, batch_path, workers, calendars, remedies=bool(remedies), encoding=encoding))

    log_failed = None
    try:
        given = read_facts(facts, encoding)
        verdict = _evaluate(ruleset, given, calendar=make_calendar(calendars), remedies=remedies is not False)
        if log_path:
            log_failed = _log_decision(ruleset, log_path, log_key_file, given, verdict)
    except DecisionLogError as exc:  # the configured log (govrules.configure) of an embedding program
        if exc.verdict is None:
            raise _Fail(str(exc)) from None
        verdict, log_failed = exc.verdict, exc
    except (InputError, CalendarError, RulesetError) as exc:
        raise _Fail(str(exc)) from None
    if as_json:
        click.echo(json.dumps(verdict.to_dict(), ensure_ascii=False, sort_keys=True, indent=2))
    else:
        click.echo(render(verdict))
        if trace or explain:
            click.echo("")
            click.echo(render_trace(verdict))
        if explain:
            click.echo("")
            click.echo(render_remedies(verdict))
    if log_failed is not None:
        # The verdict is shown, but it was not recorded: a code of its own, not "bad input".
        click.echo(f"govrules: {log_failed}", err=True)
        sys.exit(EXIT_LOG_FAILED)
    sys.exit(EXIT_ALLOWED if verdict.allowed else EXIT_NOT_ALLOWED)


def _log_decision(ruleset: str, log_path: str, key_file: str | None, given: Any, verdict: Verdict) -> Any:
    """Append the decision; the DecisionLogError when it could not be written, else None."""
    key = None
    if key_file:
        try:
            key = Path(key_file).read_bytes().rstrip(b"\r\n")
        except OSError as exc:
            raise InputError("--log-key-file", f"a readable file ({exc.strerror or exc})", key_file) from None
    try:
        DecisionLog(log_path, key=key).record(runner(ruleset).spec, given, verdict)
    except DecisionLogError as exc:
        return exc
    return None


@cli.command()
@click.argument("clause_id")
@click.option("--json", "as_json", is_flag=True, help="Print the clause as JSON.")
def clause(clause_id: str, as_json: bool) -> None:
    """Show one clause of the regulation: label, words, whether a rule can decide it."""
    try:
        c = _catalogue.clause(clause_id)
    except InputError as exc:
        raise _Fail(str(exc)) from None
    if as_json:
        click.echo(json.dumps(c.to_dict(), ensure_ascii=False, sort_keys=True, indent=2))
        return
    click.echo(f"{c.id}  {c.label}")
    click.echo(c.text)
    click.echo("可由规则判定" if c.computable else f"不可由规则判定：{c.reason}")


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True))
def lint(paths: Sequence[str]) -> None:
    """Load-time checks over rule files (default: the shipped rulesets, or --pack's); exit 1 on any problem."""
    pack = active_pack()
    if pack is not None and not paths:
        sys.exit(_lint_pack(pack))
    files: list[Path] = []
    # A regulation pack's directory is linted as the pack (its overlays applied); a file in one
    # (an overlay rule file, a cases file) as the ruleset the pack makes of it.
    in_packs: dict[Path, list[str] | None] = {}
    plain: list[str] = []
    for x in paths:
        where = _pack_part(Path(x))
        if where is None:
            plain.append(x)
        elif where[1] is None or in_packs.get(where[0], []) is None:
            in_packs[where[0]] = None  # the whole pack
        else:
            in_packs.setdefault(where[0], []).append(where[1])  # type: ignore[union-attr]
    if in_packs:
        if plain:
            raise _Fail("give regulation packs (directories, or files in them) or other rule files, not both")
        try:
            sys.exit(max(_lint_pack(Pack.load(d), names) for d, names in in_packs.items()))
        except GovrulesError as exc:
            raise _Fail(str(exc)) from None
    for p in [Path(x) for x in paths] or [ruleset_dir()]:
        if p.is_dir():
            files.extend(sorted(p.glob("*.yaml")))
        else:
            files.append(p)
    problems = 0
    for f in files:
        if f.name in (TYPES_FILE, PROVE_POOL_FILE, PACK_FILE) or f.name.endswith(".prove.yaml"):
            continue  # types.yaml is read with each rule file; prove files and the pool by `govrules prove`
        try:
            if f.name.endswith(".cases.yaml"):
                # A cases file is only right if its cases pass: run them against the rule file
                # beside it (facts validated, outcomes, clauses and rule ids as expected).
                cases = load_cases(f)
                if _failed_cases(cases, evaluator_for(f)):
                    problems += 1
                    continue
                click.echo(f"ok  {f}  ({len(cases)} cases)")
            else:
                spec = load_file(f)
                click.echo(f"ok  {f}  ({len(spec.rules)} rules)")
        except GovrulesError as exc:
            problems += 1
            click.echo(str(exc), err=True)
    if problems:
        click.echo(f"{problems} file(s) with problems", err=True)
        sys.exit(1)


def _failed_cases(cases: Sequence[Any], evaluate: Any) -> int:
    """Run ``cases`` with ``evaluate``; print each failure at its file:line; return how many failed."""
    failed = 0
    for c in cases:
        found = check_case(c, evaluate)[1]
        if found:
            failed += 1
            click.echo(f"{c.file}:{c.line}: case '{c.name}': " + "; ".join(found), err=True)
    return failed


def _pack_part(path: Path) -> tuple[Path, str | None] | None:
    """(pack directory, ruleset) when ``path`` is in a regulation pack other than the shipped one.

    The ruleset is None for the pack's directory or its pack.yaml (the whole pack); a rule or
    cases file is its ruleset; None for anything else (types, prove files: read with the ruleset).
    """
    directory = path if path.is_dir() else path.parent
    if not (directory / PACK_FILE).is_file() or directory.resolve() == ruleset_dir().resolve():
        return None
    if path.is_dir() or path.name == PACK_FILE:
        return directory, None
    if path.name.endswith(".cases.yaml"):
        return directory, path.name[: -len(".cases.yaml")]
    if path.suffix == ".yaml" and path.name not in (TYPES_FILE, PROVE_POOL_FILE) \
            and not path.name.endswith(".prove.yaml"):
        return directory, path.stem
    return None


def _lint_pack(pack: Any, names: Sequence[str] | None = None) -> int:
    """Lint a regulation pack: each ruleset (or those ``names``) as the pack makes it, overlays applied, then its cases."""
    with pack.active():
        return _lint_active_pack(pack, names)


def _lint_active_pack(pack: Any, names: Sequence[str] | None = None) -> int:
    from ._facade import evaluate

    problems = 0
    catalogue = pack.catalogue_file
    if names is not None and catalogue is not None and catalogue.stem in names:  # its clauses.yaml: read by the load
        click.echo(f"ok  {catalogue}  (the pack's clause catalogue, checked against its text)")
        names = [n for n in names if n != catalogue.stem]
    for name in dict.fromkeys(names) if names is not None else pack.available():
        try:
            spec = pack.runner(name).spec
            click.echo(f"ok  {name}  ({len(spec.rules)} rules; {', '.join(map(str, pack.files(name + '.yaml')))})")
            cases = load_overlaid_cases(pack.files(f"{name}.cases.yaml"))
            failed = _failed_cases(cases, evaluate)
            problems += bool(failed)
            if not failed:
                click.echo(f"ok  {name} cases  ({len(cases)} cases)")
        except GovrulesError as exc:
            problems += 1
            click.echo(str(exc), err=True)
    if problems:
        click.echo(f"{problems} ruleset(s) with problems", err=True)
    return 1 if problems else 0


@cli.command("rulesets")
def list_rulesets() -> None:
    """List the shipped rulesets with their titles."""
    for name in available():
        click.echo(f"{name:12} {runner(name).spec.title}")


@cli.command("coverage")
@click.argument("rule_files", nargs=-1, type=click.Path(exists=True, dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print the coverage as JSON.")
def coverage_command(rule_files: Sequence[str], as_json: bool) -> None:
    """Each clause: the rules citing it and the cases firing them; exit 1 on any gap (see docs/auditing.md)."""
    for f in rule_files:
        part = _pack_part(Path(f))
        if part is not None:  # an overlay is no rule file on its own; a pack's coverage is over all its rulesets
            raise _Fail(f"{f} is a file of the regulation pack {part[0]}: run `govrules --pack {part[0]} coverage` "
                        "(the pack's rulesets, overlays applied, against its catalogue)")
    try:
        cov = _coverage.coverage(_coverage.for_files(rule_files) if rule_files else None)
    except (RulesetError, InputError) as exc:
        raise _Fail(str(exc)) from None
    click.echo(json.dumps(cov.to_dict(), ensure_ascii=False, sort_keys=True, indent=2) if as_json else _coverage.render(cov))
    sys.exit(0 if cov.ok else 1)


cli.add_command(timeline_command)
cli.add_command(schedule_command)
cli.add_command(schema_command)
cli.add_command(serve_command)


@cli.command("docs")
@click.option("--out", "out_dir", default=None, type=click.Path(file_okay=False),
              help="Directory for the generated pages [default: docs/regulation; with --pack, required].")
@click.option("--check", "check_only", is_flag=True, help="Write nothing; exit 1 if the pages there are out of date.")
def docs_command(out_dir: str | None, check_only: bool) -> None:
    """Generate the traceability pages: each clause's words, its rules in Chinese, its spec cases."""
    if out_dir is None:
        if active_pack() is not None:
            raise _Fail("with --pack, say where the pages go: --out DIR (docs/regulation is the shipped pack's)")
        out_dir = "docs/regulation"
    try:
        if check_only:
            old = _docs.stale(out_dir)
            for name in old:
                click.echo(f"out of date: {Path(out_dir) / name}")
            sys.exit(1 if old else 0)
        for path in _docs.write(out_dir):
            click.echo(f"wrote {path}")
    except (RulesetError, InputError) as exc:
        raise _Fail(str(exc)) from None


@cli.command("prove")
@click.argument("rulesets", nargs=-1)
def prove_command(rulesets: Sequence[str]) -> None:
    """No gap, no overlap: every input class of each RULESET (name or rule file; default all) gets one outcome."""
    failed = 0
    for name in rulesets or available():
        part = _pack_part(Path(name)) if name.endswith(".yaml") else None
        try:
            if part is not None and part[1] is not None:  # a rule file in a pack: the ruleset the pack makes of it
                with Pack.load(part[0]).active() as pack:
                    run, hints = runner(part[1]), _prove.hints_for_pack(pack, part[1])
                    proof = _prove.prove(run, hints)
                    click.echo(_prove.render(proof, run.spec))
                failed += not proof.ok
                continue
            if name.endswith(".yaml"):
                run, hints = runner_for_file(name), _prove.hints_for(name)
            elif (pack := active_pack()) is not None:  # the pack's prove file and pool (its own, else its base's)
                run, hints = runner(name), _prove.hints_for_pack(pack, name)
            else:
                run, hints = runner(name), _prove.hints_for(ruleset_dir() / f"{name}.yaml")
            proof = _prove.prove(run, hints)
        except (RulesetError, InputError) as exc:
            raise _Fail(str(exc)) from None
        click.echo(_prove.render(proof, run.spec))
        failed += not proof.ok
    sys.exit(1 if failed else 0)


@cli.command("pack")
@click.option("--json", "as_json", is_flag=True, help="Print it as JSON.")
def pack_command(as_json: bool) -> None:
    """Show the regulation pack in effect (--pack; default the shipped one): version, in force, hash, files."""
    pack = active_pack() or shipped_pack()
    if as_json:
        click.echo(json.dumps({**pack.to_dict(), "rulesets": pack.available(),
                               "versions": [v.stamp for v in pack.versions()]},
                              ensure_ascii=False, sort_keys=True, indent=2))
        return
    for version in pack.versions():
        click.echo(f"{version.describe()}  {version.hash}  {version.title}")
        click.echo(f"    {version.directory}")
    click.echo("规则集：" + ", ".join(pack.available()))


for _command in list(cli.commands.values()):
    with_pack(_command)  # every command takes --pack/--as-of too (after the command's name)
cli.add_command(diff_command)  # names its two packs itself


def main(argv: Sequence[str] | None = None) -> None:
    try:
        cli.main(args=list(argv) if argv is not None else None, prog_name="govrules")
    except Exception:  # noqa: BLE001 - see below
        # Exit 1 is an answer ("not allowed", "verdicts changed"); a crash must not read as one.
        # The traceback is printed for the report; the exit code is the one for "no answer".
        traceback.print_exc()
        click.echo("govrules: internal error (the traceback above); please report it", err=True)
        sys.exit(2)

"""The contract's functions: each is ``evaluate(<ruleset>, {<its keyword arguments>})``."""

from __future__ import annotations

import copy
import datetime as dt
import functools
import os
import sys
from pathlib import PurePath
from typing import TYPE_CHECKING, Any, Callable, Mapping, Sequence, TypeVar, Union, cast

import attrs

from ._calendar import WorkingCalendar
from ._engine import NotPlain, plain_copy
from ._errors import InputError
from ._facade_docs import DOCS
from ._model import Verdict, VerdictData, evolve_lazily
from . import _diskcache
from ._rulesets import ACTIVE_PACK, ruleset_dir, runner

if TYPE_CHECKING:
    # Only named in signatures: a caller passing a Person or a Pack has imported it already, and
    # the pack loader (with the YAML parser) is imported only when a verdict asks for a pack
    # (start-up, docs/performance.md).
    from ._inputs import Person
    from ._packs import Pack, PackLike

PackOption = Union["PackLike", Sequence["PackLike"], None]
DateLike = Union[str, dt.date]


def evaluate(ruleset: str, facts: Mapping[str, Any], *, calendar: WorkingCalendar | None = None,
             pack: PackOption = None, as_of: DateLike | None = None) -> Verdict:
    """Evaluate ``facts`` with the shipped ruleset named ``ruleset`` and return its Verdict.

    A verdict that is not allowed carries ``data["remedies"]`` (the smallest changes of facts
    that would allow it), computed on first access; ``govrules.configure(remedies=False)``
    leaves it out. ``pack=`` evaluates with another regulation pack (a ``govrules.Pack`` or its
    directory, or several side by side) and ``as_of=`` with the version in force on that day
    (docs/packs.md); ``verdict.pack`` records which pack, version and content hash decided.
    """
    return _evaluate(ruleset, facts, calendar=calendar, pack=pack, as_of=as_of)


def _evaluate(ruleset: str, facts: Mapping[str, Any], *, calendar: WorkingCalendar | None = None,
              remedies: bool = True, pack: PackOption = None, as_of: DateLike | None = None) -> Verdict:
    if calendar is not None and not isinstance(calendar, WorkingCalendar):
        raise InputError("calendar", "a govrules.WorkingCalendar", calendar)
    if pack is None and as_of is None:
        return _decide(ruleset, facts, calendar, remedies, None)
    from . import _packs

    found = _packs.resolve(pack, as_of)
    assert found is not None
    with found.active():
        return _decide(ruleset, facts, calendar, remedies, found)


def _decide(ruleset: str, facts: Mapping[str, Any], calendar: WorkingCalendar | None, remedies: bool,
            found: Pack | None) -> Verdict:
    run = runner(ruleset)
    active = found or ACTIVE_PACK.get()  # a Pack, or None for the shipped rules
    # The verdict is built with the stamp of the pack that decided (a copy only to add it cost
    # ~4 % of an allowed signing verdict).
    # Each verdict its own stamp: the shipped one is cached, and a caller editing one verdict's
    # ``pack`` must not change every later verdict's.
    stamp = active.stamp if active is not None else dict(_shipped_stamp())
    verdict = run.evaluate(facts, calendar=calendar, pack=stamp)
    if remedies and not verdict.allowed and _remedies_on():
        # A pack's remedies are searched later (on first read): under that pack, whatever is in effect then.
        later = {"data": _pending_remedies(active.bind(run) if active is not None else run, facts, verdict, calendar)}
        # A copy that adds the remedies, leaving findings, trace and data unbuilt (attrs.evolve
        # would build them all); the search reads the verdict the runner gave.
        verdict = evolve_lazily(verdict, later=later)
    # A decision log is turned on only through _log (govrules.configure): while nothing has
    # imported it, none is on, and a verdict does not import it (start-up, ~1.5 ms). A module
    # still being imported by another thread has no log on yet either, nor a `record`.
    record = getattr(sys.modules.get(_LOG_MODULE), "record", None)
    if record is not None:
        record(run.spec, facts, verdict)
    return verdict


_LOG_MODULE = f"{__package__}._log"
_REMEDIES_MODULE = f"{__package__}._remedies"


def _remedies_on() -> bool:
    # The only switch is _remedies.enable (govrules.configure(remedies=...)), which imports that
    # module first: while nothing has imported it the search is on, and a refused verdict does
    # not import the search (~2.5 ms of a first verdict) until data["remedies"] is read.
    return getattr(sys.modules.get(_REMEDIES_MODULE), "ENABLED", True)


def _pending_remedies(run: Any, facts: Mapping[str, Any], verdict: Verdict,
                      calendar: WorkingCalendar | None) -> Callable[[], VerdictData]:
    """What builds a refused verdict's data with ``remedies`` pending, for ``evolve_lazily(later=...)``.

    Re-evaluation goes through ``run.evaluate`` (which never adds remedies), so the search cannot recurse.
    """
    # The search runs when data["remedies"] is first read, on a snapshot of the facts, so a
    # caller that edits its facts afterwards cannot change what the remedies were found for.
    snapshot = _snapshot(facts)

    def search() -> Any:
        from . import _remedies

        return _remedies.search(run, snapshot, verdict, calendar)

    def data() -> VerdictData:
        # The rest of the data is built when first read too (a caller checking `allowed` builds none).
        return VerdictData(verdict.data.computed(), pending={"remedies": search})

    return data


def _snapshot(facts: Any) -> Any:
    if attrs.has(type(facts)):
        facts = attrs.asdict(facts, recurse=True)
    try:
        return plain_copy(facts)  # facts are nearly always plain JSON: several times cheaper than deepcopy
    except NotPlain:
        return copy.deepcopy(facts)


@functools.cache
def _shipped_stamp() -> dict[str, str]:
    """The shipped regulation pack's id, version and content hash, which every shipped verdict carries.

    Kept in the on-disk cache, so a fresh process neither parses pack.yaml nor imports the pack
    loader (with the YAML parser) for it (start-up, docs/performance.md). The entry is keyed by
    the name, size and modification time of each file the pack's hash covers: the shipped rule
    files are package data, trusted as govrules' own modules and data files are
    (``_diskcache._code_digest``, what Python's bytecode cache trusts). Reading and hashing
    their contents (~270 KB with the cases and prove hints) cost a warm first verdict 3-6 ms.
    """
    directory = ruleset_dir()
    try:
        with os.scandir(directory) as found:
            # The files _packs hashes: every .yaml and .txt file of the directory.
            files = sorted((e.name, e.stat()) for e in found
                           if e.is_file() and PurePath(e.name).suffix in (".yaml", ".txt"))
        blob = "".join(f"{name}|{st.st_size}|{st.st_mtime_ns}\0" for name, st in files).encode("utf-8", "surrogatepass")
        key = _diskcache.key(b"pack-stamp-by-stat", str(directory.resolve()).encode("utf-8", "surrogatepass"), blob)
    except OSError:
        key = None
    stamp = _diskcache.read(key, dict)
    if stamp is None:
        from . import _packs

        stamp = _packs.shipped_stamp_uncached()
        _diskcache.write(key, stamp)
    return stamp


# What a caller passes for a fact: plain data as parsed from JSON, or the library's Person.
Obj = Mapping[str, Any]
PersonLike = Union[Mapping[str, Any], "Person"]
F = TypeVar("F", bound=Callable[..., Verdict])


def _facade(ruleset: str) -> Callable[[F], F]:
    """Make a typed signature the facade for ``ruleset``: mypy checks the keywords against it,
    while at run time every keyword reaches validation, so a misspelt one (``divison=``) is an
    InputError with a did-you-mean instead of Python's bare TypeError."""

    def wrap(typed: F) -> F:
        @functools.wraps(typed)
        def call(*args: Any, calendar: WorkingCalendar | None = None, pack: PackOption = None,
                 as_of: DateLike | None = None, **facts: Any) -> Verdict:
            if args:
                raise InputError(typed.__name__, "facts as keyword arguments (name=value), not positional", args)
            # Omitted keyword arguments are omitted facts, not explicit nulls.
            given = {k: v for k, v in facts.items() if v is not None}
            return evaluate(ruleset, given, calendar=calendar, pack=pack, as_of=as_of)

        call.__doc__ = DOCS.get(typed.__name__, typed.__doc__)
        return cast(F, call)

    return wrap


def _replaced() -> Verdict:
    raise AssertionError("the body of a facade signature never runs: _facade replaces it")


# help() shows each function's generated docstring instead (_facade_docs.py): its first line is the
# rule file's ``summary:`` with the clauses it decides, then the facts and outcomes the file declares.
@_facade("signing")
def check_signing(*, document: Obj | None = None, signer: PersonLike | None = None,
                  division: Mapping[str, str] | None = None, reviews: Sequence[PersonLike] | None = None,
                  approval: Obj | None = None, calendar: WorkingCalendar | None = None,
                  pack: PackOption = None, as_of: DateLike | None = None) -> Verdict:
    """May this person sign this document?"""
    return _replaced()


@_facade("seal")
def check_seal(*, seal_use: Obj | None = None, calendar: WorkingCalendar | None = None,
               pack: PackOption = None, as_of: DateLike | None = None) -> Verdict:
    """May the town government's seal be used on this approval?"""
    return _replaced()


@_facade("decision")
def decision_scope(*, matter: Obj | None = None, division: Mapping[str, str] | None = None,
                   calendar: WorkingCalendar | None = None,
                   pack: PackOption = None, as_of: DateLike | None = None) -> Verdict:
    """Who decides this matter, which procedures it needs, what is missing."""
    return _replaced()


@_facade("meeting")
def check_meeting(*, meeting: Obj | None = None, division: Mapping[str, str] | None = None,
                  calendar: WorkingCalendar | None = None,
                  pack: PackOption = None, as_of: DateLike | None = None) -> Verdict:
    """May this mayor's office (or special-topic) meeting convene, and with which items?"""
    return _replaced()


@_facade("minutes")
def check_minutes(*, minutes: Obj | None = None, calendar: WorkingCalendar | None = None,
                  pack: PackOption = None, as_of: DateLike | None = None) -> Verdict:
    """Were the minutes drafted in time, reviewed and approved?"""
    return _replaced()


@_facade("disclosure")
def classify_disclosure(*, document: Obj | None = None, calendar: WorkingCalendar | None = None,
                        pack: PackOption = None, as_of: DateLike | None = None) -> Verdict:
    """Exempt, proactive or on-request disclosure."""
    return _replaced()


@_facade("submission")
def check_submission(*, submission: Obj | None = None, division: Mapping[str, str] | None = None,
                     calendar: WorkingCalendar | None = None,
                     pack: PackOption = None, as_of: DateLike | None = None) -> Verdict:
    """Is this request (请示) or report (报告) in order, and where does it go?"""
    return _replaced()


@_facade("conference")
def check_conference(*, conference: Obj | None = None, calendar: WorkingCalendar | None = None,
                     pack: PackOption = None, as_of: DateLike | None = None) -> Verdict:
    """May this town-wide conference be held?"""
    return _replaced()

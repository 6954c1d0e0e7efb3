"""The only module that touches durable_rules: one private, emptied session per evaluation.

durable_rules 2.0.28 has sharp edges (see docs/engine.md for the full table and the
tests that pin each one). This module contains them so nothing else has to know; it is
also the one place that reaches into durable_rules' and json's internals (private
attributes, result codes, json's C encoder: tests/test_engine_compat.py keeps it so), and
it refuses at import a durable_rules release it was not written for:

* rulesets are created with the C extension's own call, never through durable_rules'
  ``Host``, whose timer loop runs other sessions' actions mid-call (and whose Python
  module, with its logging set-up, is a third of a process's first verdict);
* definitions are validated up front against the constructs that crash, spin or
  silently misbehave, and rewritten into the exact shape the engine needs;
* every fact gets a unique engine identity and is asserted on its own;
* sessions are reused: after a run that succeeded every fact it stored is retracted and
  the session is checked empty before the next run may use it; a run that raised, a
  session that is not empty, or one that held more than MAX_REUSED_FACTS facts is
  deleted instead (each session is opened with a sentinel action, so delete_state is
  always safe). Opening and deleting a session per run made glibc trim and re-fault
  the heap after every evaluation in about half of fresh processes (docs/engine.md);
* exceptions from ``react`` are carried past the engine's swallow-everything
  action wrapper and re-raised unchanged.
"""

from __future__ import annotations

import collections
import itertools
import json
import math
import threading
import time
import weakref
from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Any, NamedTuple


try:
    # Only the C extension: durable.engine's Host, Closure and Promise are replaced below, and
    # importing that module (it sets up logging) cost more than the rest of a first verdict.
    import durable_rules_engine
except ImportError as _failed:  # e.g. on 3.13: undefined symbol PyEval_CallObject
    from govrules._engine_import import explain

    raise ImportError(explain(_failed)) from _failed

from govrules._errors import GovrulesError

__all__ = ["Engine", "EngineError", "Firing", "json_encoder"]

# This module drives durable_rules' C extension directly (create_ruleset, assert_fact and its
# result codes, the action calls), which no release documents or promises to keep; these are
# the releases it was written and tested against (tests/test_engine_*.py).
DURABLE_RULES_VERSIONS = ("2.0.28",)


def _installed_durable_rules() -> str | None:
    """The installed durable_rules version from its dist-info directory, None if there is none.

    Read from the directory name rather than through importlib.metadata, which costs tens
    of milliseconds of import time for one string.
    """
    import pathlib

    site = pathlib.Path(durable_rules_engine.__file__).resolve().parent
    # A wheel install leaves durable_rules-2.0.28.dist-info; pip < 23.1 building the sdist with
    # setup.py install (Python 3.10's bundled pip) leaves durable_rules-2.0.28-py3.10.egg-info.
    for pattern in ("durable_rules-*.dist-info", "durable_rules-*.egg-info"):
        for entry in site.glob(pattern):
            return entry.name[len("durable_rules-"):].rsplit(".", 1)[0].split("-py")[0]
    return None


def _check_durable_rules(version: str | None) -> None:
    if version is not None and version not in DURABLE_RULES_VERSIONS:
        raise ImportError(f"govrules needs durable_rules {' or '.join(DURABLE_RULES_VERSIONS)} (it relies on that "
                          f"release's internals); durable_rules {version} is installed. "
                          f"Install it with: pip install 'durable-rules==2.0.28'")


_check_durable_rules(_installed_durable_rules())


class EngineError(GovrulesError, RuntimeError):
    """durable_rules failed or was misused internally: a govrules bug, not bad input."""


class FiringLimitError(EngineError):
    """More firings in one run than MAX_FIRINGS_BASE + MAX_FIRINGS_PER_FACT per input fact.

    A backstop against rules that chain without end (the checks refuse the cycles they can
    see); ``rule`` is the engine rule that fired most, ``count`` how often.
    """

    def __init__(self, engine: str, rule: str, count: int, limit: int) -> None:
        self.engine, self.rule, self.count, self.limit = engine, rule, count, limit
        super().__init__(f"engine {engine!r}: more than {limit:,} rule firings in one run (rule {rule!r} "
                         f"fired {count:,} times): the rules chain without end")


# Sessions are reused (retracted, checked empty) instead of allocated and freed per run.
# REUSE_SESSIONS is read when an Engine is built; False gives the old fresh-session-per-run
# behaviour (kept for comparison in tests and benchmarks). A session whose run stored more
# than MAX_REUSED_FACTS facts is deleted after the run, so an engine keeps at most the
# pools of a session of that size between runs (durable_rules never shrinks them).
REUSE_SESSIONS = True
MAX_REUSED_FACTS = 256

# The backstop's budget: real runs fire a few rules per fact (the meeting ruleset, with 10,000
# agenda items, about 3 per item); a chain without end reaches any budget in well under a second.
MAX_FIRINGS_BASE = 10_000
MAX_FIRINGS_PER_FACT = 100


class Firing(NamedTuple):
    """One rule firing: the rule's name and, per pattern name, the fact it matched."""

    # A NamedTuple rather than a frozen attrs class: the same fields, value equality, repr and
    # immutability, but one is built per action and a frozen attrs __init__ (a setattr call per
    # field) cost about three times as much; attrs also compiles its methods at import.
    rule: str
    matched: Mapping[str, dict]


# The engine uses a fact's top-level "id" as its identity (_RESULT_OBSERVED
# on a repeat; without "id" it hashes the whole content to 32 bits, #376). So the
# engine owns "id": we stamp it with a per-session counter and keep the caller's own
# "id" under _USER_ID, rewriting rule conditions to match. Callers never see either.
_STAMP = "id"
_USER_ID = "govrules__user_id"
_SID = "sid"
_RESERVED_KEYS = frozenset({_SID, _USER_ID})

_SENTINEL = "govrules__start"

# durable_rules silently skips chained actions when one action runs over 10 s
# (Closure._has_completed). We refuse a react slower than this, with margin.
_REACT_TIME_LIMIT = 9.0

_ORDERING = frozenset({"$lt", "$lte", "$gt", "$gte"})
_EQUALITY = frozenset({"$eq", "$neq"})
_EXISTENCE = frozenset({"$ex", "$nex"})
_MATCHING = frozenset({"$mt", "$imt"})
_ITEMS = frozenset({"$iall", "$iany"})
_BOOLEAN = frozenset({"$and", "$or"})
_ARITHMETIC = frozenset({"$add", "$sub", "$mul", "$div"})
_SUPPORTED = sorted(_ORDERING | _EQUALITY | _EXISTENCE | _MATCHING | _ITEMS | _BOOLEAN)
_SCALARS = (str, int, float, bool, type(None))


class _Ruleset:
    """A ruleset in durable_rules' C extension, and the Python function run for each rule's action.

    What durable.engine's Ruleset keeps, without its Host: the stock Host starts
    threading.Timer loops that never stop and that run other sessions' pending actions
    mid-call (wrong answers, segfaults under threads); we need neither timers nor async
    actions, so no Host exists at all.
    """

    __slots__ = ("_handle", "_actions")  # durable.engine.Ruleset's names, which the engine tests reach

    def __init__(self, name: str, rules: Mapping[str, dict], actions: Mapping[str, Callable[[Any], None]]) -> None:
        self._actions = dict(actions)
        # durable.engine.Ruleset's own call: its definition is the rules without "run".
        definition = {rule: {k: v for k, v in body.items() if k != "run"} for rule, body in rules.items()}
        self._handle = durable_rules_engine.create_ruleset(name, json.dumps(definition, ensure_ascii=False))


def _handle(ruleset: _Ruleset) -> Any:
    return ruleset._handle


def _action_function(ruleset: _Ruleset, name: str) -> Callable[[Any], None]:
    return ruleset._actions[name]


class _Run:
    """Everything one run() needs while the engine calls back into Python."""

    __slots__ = ("react", "sid", "stamps", "firings", "error", "stored", "limit", "engine")

    def __init__(self, react: Callable[[Firing], Sequence[Mapping]] | None, sid: str,
                 limit: int = MAX_FIRINGS_BASE, engine: str = "") -> None:
        self.react = react
        self.sid = sid
        self.stamps = itertools.count()
        self.firings: list[Firing] = []
        self.error: BaseException | None = None
        self.stored: list[str] = []  # stamps of the facts the engine kept
        self.limit = limit
        self.engine = engine


class _Slot:
    """Holds the current run; actions reach it without referencing the Engine.

    Keeping the Engine out of the action closures means an unreferenced Engine is
    freed (and its ruleset released by the finalizer) without waiting for the GC.
    """

    __slots__ = ("run", "ruleset", "idle", "opened")

    def __init__(self) -> None:
        self.run: _Run | None = None
        self.ruleset: Any = None
        self.idle: str | None = None  # an empty, opened session waiting for the next run
        self.opened = 0  # sentinel actions that ran (one per opened session)


def _release(slot: _Slot, handle: int) -> None:
    """Delete the idle session (delete_ruleset does not free sessions), then the ruleset."""
    sid, slot.idle = slot.idle, None
    try:
        if sid is not None:
            durable_rules_engine.delete_state(handle, sid)
    except Exception:  # noqa: BLE001 - freeing must never raise from a finalizer
        pass
    try:
        durable_rules_engine.delete_ruleset(handle)
    except Exception:  # noqa: BLE001 - freeing must never raise from a finalizer
        pass


class Engine:
    """A compiled durable_rules ruleset that evaluates facts in private sessions."""

    def __init__(self, name: str, definition: Mapping[str, dict]) -> None:
        if not isinstance(name, str) or not name:
            raise ValueError(f"engine name: expected a non-empty string, got {name!r}")
        rules = _compile(definition)
        self._name = name
        self._lock = threading.Lock()
        self._owner: int | None = None
        self._sessions = itertools.count()
        self._reuse = bool(REUSE_SESSIONS)
        self._slot = _Slot()
        actions = {rule: _make_action(self._slot, rule) for rule in rules}
        actions[_SENTINEL] = _make_sentinel_action(self._slot)
        try:
            ruleset = _Ruleset(name, rules, actions)
        except Exception as exc:
            # The definition passed our checks, so a rejection here is our bug.
            raise EngineError(f"durable_rules rejected the checked definition of {name!r}: {exc}") from exc
        self._slot.ruleset = ruleset
        self._finalizer = weakref.finalize(self, _release, self._slot, _handle(ruleset))
        # At interpreter exit the process frees everything anyway; calling into the
        # C extension during shutdown only risks a crash.
        self._finalizer.atexit = False

    @property
    def name(self) -> str:
        return self._name

    def run(
        self,
        facts: Sequence[Mapping],
        react: Callable[[Firing], Sequence[Mapping]] | None = None,
        transient: Collection[str] = (),
    ) -> list[Firing]:
        """Evaluate ``facts`` in a private, empty session; return every firing in firing order.

        Each firing is passed to ``react``; the facts it returns are asserted into the
        same session and may fire further rules. ``react`` must return quickly (see
        docs/engine.md). An exception from ``react`` propagates unchanged.

        A fact of a ``transient`` type is retracted as soon as the actions its assertion
        enabled have run. The caller vouches that no later fact can complete a rule with it
        (e.g. agenda items, whose rules join them only with facts asserted before them): the
        firings are then the same, and the session does not grow with such facts, which keeps
        durable_rules' cost per assertion flat (it grows with the facts a session holds).
        """
        # A list (what the runner passes) is a Sequence and none of str/bytes/Mapping: decided
        # without the ABC checks, which are slow; anything else is checked as before.
        if type(facts) is not list and (isinstance(facts, (str, bytes, Mapping)) or not isinstance(facts, Sequence)):
            raise ValueError(f"facts: expected a sequence of fact objects, got {type(facts).__name__}")
        prepared = [_prepare(fact, f"facts[{index}]") for index, fact in enumerate(facts)]
        self._enter("run()")
        try:
            if not self._finalizer.alive:
                raise EngineError(f"engine {self._name!r} is closed; run() needs an open engine")
            return self._run_locked(prepared, react, transient)
        finally:
            self._leave()

    def close(self) -> None:
        """Free the engine's idle session and ruleset in durable_rules. Safe to call more than once."""
        self._enter("close()")
        try:
            # finalize runs its callback at most once: a second delete_ruleset could
            # free a handle the extension has since reused for another ruleset.
            self._finalizer()
        finally:
            self._leave()

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "open" if self._finalizer.alive else "closed"
        return f"<Engine {self._name!r} {state}>"

    def _enter(self, what: str) -> None:
        # The lock is not re-entrant on purpose: a react that calls back into its own
        # engine would interleave two sessions (or free the ruleset mid-run).
        if self._owner == threading.get_ident():
            raise EngineError(f"{what} called from inside a react of engine {self._name!r}")
        self._lock.acquire()
        self._owner = threading.get_ident()

    def _leave(self) -> None:
        self._owner = None
        self._lock.release()

    def _run_locked(self, prepared: list[dict], react: Callable | None, transient: Collection[str] = ()) -> list[Firing]:
        ruleset = self._slot.ruleset
        sid = self._slot.idle
        self._slot.idle = None
        if sid is None:
            sid = self._open_session()
        current = _Run(react=react, sid=sid, engine=self._name,
                       limit=MAX_FIRINGS_BASE + MAX_FIRINGS_PER_FACT * len(prepared))
        self._slot.run = current
        finished = False
        try:
            for index, fact in enumerate(prepared):
                held = len(current.stored)
                _assert(ruleset, current, fact, f"facts[{index}]")
                if current.error is not None:
                    break
                if fact["type"] in transient and len(current.stored) > held and current.stored[held] == fact[_STAMP]:
                    _retract(ruleset, current, held, f"facts[{index}]")
                    if current.error is not None:
                        break
            if current.error is not None:
                raise current.error
            finished = True
            return current.firings
        finally:
            self._slot.run = None
            # Only a run that finished may hand its session on, and only once it is empty
            # again; anything else (an exception from react or the engine, a Ctrl-C between
            # two C calls, a large run) deletes it, as every run did before sessions were reused.
            reuse = False
            try:
                reuse = (finished and self._reuse and len(current.stored) <= MAX_REUSED_FACTS
                         and _empty(ruleset, current))
            finally:  # a Ctrl-C inside _empty deletes the session too
                if reuse:
                    self._slot.idle = sid
                else:
                    _delete_state(ruleset, sid)

    def _open_session(self) -> str:
        """A new session in which an action has run, so that delete_state is safe on it.

        delete_state frees pointers that only the first action initialises (segfault,
        docs/engine.md row 2), so the session is opened with the sentinel fact, whose rule
        fires; the fact is retracted again at once.
        """
        ruleset = self._slot.ruleset
        sid = f"s{next(self._sessions)}"
        opened = self._slot.opened
        opening = _Run(react=None, sid=sid, engine=self._name)
        _assert(ruleset, opening, {"type": _SENTINEL}, "the opening fact")
        if self._slot.opened != opened + 1:
            # No action ran: deleting the session would crash, so it is left as it is.
            raise EngineError(f"engine {self._name!r}: the sentinel rule did not fire in a new session")
        if not _empty(ruleset, opening):
            _delete_state(ruleset, sid)
            raise EngineError(f"engine {self._name!r}: a new session kept its opening fact")
        return sid


def _delete_state(ruleset: _Ruleset, sid: str) -> None:
    try:
        durable_rules_engine.delete_state(ruleset._handle, sid)
    except Exception:  # noqa: BLE001 - an error from the run itself may be propagating
        pass


def _empty(ruleset: Any, current: _Run) -> bool:
    """Retract every fact ``current`` stored; True if the session then holds none and has no action pending.

    A fact that matched no rule was never stored (row 7), so only stored facts are retracted.
    Retraction only deletes (no ``$not`` rules exist to fire on it), yet both are checked:
    a session is reused only when the engine itself reports it empty.
    """
    if not current.stored:
        return True  # nothing landed in the session, so nothing can be left in it
    handle = _handle(ruleset)
    sid = current.sid
    head = '{"sid":"' + sid + '","id":"'
    try:
        _, state = durable_rules_engine.retract_facts(handle, ",".join([head + stamp + '"}' for stamp in current.stored]))
        if durable_rules_engine.start_action_for_state(handle, state):
            durable_rules_engine.abandon_action(handle, state)
            return False
        return durable_rules_engine.get_facts(handle, sid) == "[]"
    except Exception:  # noqa: BLE001 - any doubt about the session: delete it instead
        return False


def _make_sentinel_action(slot: _Slot) -> Callable[[Any], None]:
    def sentinel(c: Any) -> None:
        slot.opened += 1

    return sentinel


def _make_action(slot: _Slot, rule: str) -> Callable[[Any], None]:
    label = f"react({rule!r})"  # where a reacted fact came from, in error messages

    # Exactly one parameter: durable_rules treats a two-argument action as async.
    def action(c: Any) -> None:
        current = slot.run
        if current is None:
            return
        if current.error is not None:
            return
        started = time.monotonic()
        try:
            firing = Firing(rule, _matched(c._m))
            current.firings.append(firing)
            if len(current.firings) > current.limit:
                counts = collections.Counter(f.rule for f in current.firings)
                top, count = counts.most_common(1)[0]
                raise FiringLimitError(current.engine, top, count, current.limit)
            if current.react is None:
                return
            produced = current.react(firing)
            elapsed = time.monotonic() - started
            if elapsed > _REACT_TIME_LIMIT:
                raise EngineError(
                    f"react for rule {rule!r} took {elapsed:.1f} s; durable_rules silently "
                    f"drops chained actions after 10 s, so react must stay under {_REACT_TIME_LIMIT:.0f} s"
                )
            if produced is None:
                return
            if type(produced) is not list and (
                    isinstance(produced, (str, bytes, Mapping)) or not isinstance(produced, Sequence)):
                raise ValueError(
                    f"react for rule {rule!r}: expected a sequence of facts, got {type(produced).__name__}"
                )
            for index, fact in enumerate(produced):
                where = f"{label}[{index}]"
                _assert_in_action(slot.ruleset, current, _prepare(fact, where), where)
        except BaseException as exc:  # noqa: BLE001 - the engine would swallow it; we carry it out
            current.error = exc

    return action


def _matched(message: dict[str, dict]) -> dict[str, dict]:
    """``message`` with each fact's engine keys removed and the caller's own "id" restored.

    In place: the message was decoded from the engine's JSON for this one action (_drive), so
    nothing else holds its dicts, and rebuilding every matched fact was a third of an action's
    Python cost on large facts. The key order is the rebuilt copy's: the caller's keys as
    asserted, then "id" last.
    """
    for fact in message.values():
        del fact[_SID], fact[_STAMP]
        if _USER_ID in fact:
            fact["id"] = fact.pop(_USER_ID)
    return message


def _stamp(current: _Run, fact: dict) -> dict:
    # In place: every fact reaching here is run()'s or _prepare's private copy (or the
    # sentinel literal), so a second copy per fact bought nothing.
    fact[_STAMP] = str(next(current.stamps))
    fact[_SID] = current.sid
    return fact


def json_encoder(sort_keys: bool = False) -> Callable[[Any], str]:
    """``json.dumps(value, ensure_ascii=False, sort_keys=sort_keys)``, with json's C encoder built once.

    JSONEncoder.encode builds a fresh C encoder for every dict (half its cost for a fact);
    this builds it once with the same settings, so the text is identical (tests/test_json_helper.py).
    The one difference, no circular-reference bookkeeping, cannot matter to its callers: each
    value it meets is a fresh tree (a fact from ``_prepare``, a finding's converted data).
    Without json's C accelerator it is JSONEncoder.encode itself.
    """
    base = json.JSONEncoder(ensure_ascii=False, sort_keys=sort_keys)
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:
        return base.encode
    # c_make_encoder's positional arguments, as json.encoder._make_iterencode's caller passes them.
    chunks = make(None, base.default, json.encoder.encode_basestring, None, base.key_separator,
                  base.item_separator, base.sort_keys, base.skipkeys, base.allow_nan)
    join = "".join

    def encode(value: Any) -> str:
        if type(value) is str:  # the C encoder takes only containers at the top; json.dumps takes any
            return base.encode(value)
        return join(chunks(value, 0))
    return encode


_encode_fact = json_encoder()
_scan = json.JSONDecoder().scan_once


def _decode(text: Any) -> Any:
    """``json.loads(text)``, for the engine's action messages, without its per-call wrapping.

    Exactly one JSON value filling the whole string is decoded directly by json's scanner
    (same decoder settings as json.loads); anything else goes to json.loads itself, which
    gives the same value or the same error.
    """
    if type(text) is str:
        try:
            value, end = _scan(text, 0)
        except (StopIteration, ValueError):
            return json.loads(text)
        if end == len(text):
            return value
    return json.loads(text)


_NOT_HANDLED = object()

# durable_rules_engine.assert_fact's result codes (2.0.28, as Ruleset._handle_result reads them).
_RESULT_NOT_HANDLED = 1  # no rule's pattern takes the fact; it is not stored
_RESULT_OBSERVED = 2  # a fact with this identity is already in the session
# 3 is ERR_EVENT_DEFERRED, and it does not mean "stored, nothing to drive". In durable_rules
# 2.0.28's src/rules/events.c, handleMessageCore returns it only when the session id is unknown
# AND a queue-message callback is registered (durable.engine's Host registers one through
# set_queue_message_callback): the fact is then handed to that callback, stored in no session,
# and the state offset is left UNDEFINED_HASH_OFFSET. Without a callback (this module registers
# none) an unknown session id is created instead, so a fact is never deferred here. If one ever
# were, it did not land, and driving "state 0" (what durable.engine's _handle_result returns
# for it) would run the actions of whichever session holds state node 0: refuse it instead.
_RESULT_DEFERRED = 3


class _Observed(Exception):
    """assert_fact's _RESULT_OBSERVED (durable.engine raises MessageObservedException for it)."""


def _assert_fact(ruleset: Any, fact: dict) -> Any:
    """durable.engine's ``Ruleset.assert_fact``: the same C call and results.

    Except that "no rule cares about this fact" (row 7, about half the facts of a large
    meeting) returns _NOT_HANDLED instead of raising: the exception JSON-encodes the whole
    fact for a message nobody reads.
    """
    result = durable_rules_engine.assert_fact(_handle(ruleset), _encode_fact(fact))
    code = result[0]
    if code == _RESULT_NOT_HANDLED:
        return _NOT_HANDLED
    if code == _RESULT_OBSERVED:
        raise _Observed(fact)
    if code == _RESULT_DEFERRED:
        raise RuntimeError("the fact was deferred to a message queue (result 3), not asserted")
    return result[1]


def _assert(ruleset: Any, current: _Run, fact: dict, where: str) -> None:
    """Assert one fact from outside any action and run the actions it enables."""
    stamped = _stamp(current, fact)
    try:
        handle = _assert_fact(ruleset, stamped)
        if handle is not _NOT_HANDLED:
            current.stored.append(stamped[_STAMP])
    except _Observed as exc:
        raise EngineError(f"{where} (type {fact['type']!r}): engine saw a duplicate fact identity") from exc
    except Exception as exc:
        raise EngineError(f"{where} (type {fact['type']!r}): durable_rules rejected the fact: {exc}") from exc
    if handle is _NOT_HANDLED:
        return  # no rule cares about this fact: not an error

    try:
        _drive(ruleset, handle)
    except _ActionFailed as exc:
        if current.error is not None:
            return
        raise EngineError(
            f"{where} (type {fact['type']!r}): an action failed inside durable_rules: {exc.__cause__!r}"
        ) from exc.__cause__
    except Exception as exc:
        if current.error is not None:
            return
        raise EngineError(f"{where} (type {fact['type']!r}): durable_rules failed running actions: {exc}") from exc


class _ActionFailed(Exception):
    """An action raised (ours never do: they carry errors out through the run)."""


class _Closure:
    """What an action receives: the matched message, as durable_rules' Closure offers it in ``_m``."""

    __slots__ = ("_m",)

    def __init__(self, message: dict) -> None:
        self._m = message


def _drive(ruleset: Any, state_handle: Any) -> None:
    """Run every action a just-asserted fact enabled, chained ones included, in firing order.

    This is durable_rules' ``Ruleset.do_actions``/``_flush_actions`` without what we never
    use: its Closure/Content wrappers, its async Promise machinery, and re-sending the
    session state (``update_state``) after every action — our actions never change it,
    and that JSON round trip was a third of each action's cost.
    """
    engine = _handle(ruleset)
    started = durable_rules_engine.start_action_for_state(engine, state_handle)
    if not started:
        return
    text = started[1]
    while text:
        message = _decode(text)
        name = next(iter(message))
        try:
            _action_function(ruleset, name)(_Closure(message[name]))
        except BaseException as exc:  # noqa: BLE001 - only a replaced action can raise
            durable_rules_engine.abandon_action(engine, state_handle)
            raise _ActionFailed() from exc
        text = durable_rules_engine.complete_and_start_action(engine, state_handle)


def _retract(ruleset: Any, current: _Run, at: int, where: str) -> None:
    """Retract the fact stored ``at`` in ``current``; run any action that enables (none: no ``$not`` rules exist)."""
    stamp = current.stored[at]
    try:
        result = durable_rules_engine.retract_fact(_handle(ruleset), '{"sid":"' + current.sid + '","id":"' + stamp + '"}')
    except Exception as exc:
        raise EngineError(f"{where}: durable_rules could not retract the fact: {exc}") from exc
    del current.stored[at]
    if result[0] != 0:  # _RESULT_DEFERRED included: the fact would still be in the session
        raise EngineError(f"{where}: durable_rules could not retract the fact (result {result[0]})")
    try:
        _drive(ruleset, result[1])
    except _ActionFailed as exc:
        if current.error is None:
            raise EngineError(f"{where}: an action failed inside durable_rules: {exc.__cause__!r}") from exc.__cause__


def _assert_in_action(ruleset: Any, current: _Run, fact: dict, where: str) -> None:
    """Assert a reacted fact; the engine queues the actions it enables itself."""
    stamped = _stamp(current, fact)
    try:
        if _assert_fact(ruleset, stamped) is not _NOT_HANDLED:  # not handled (no rule cares) is fine here too
            current.stored.append(stamped[_STAMP])
    except _Observed as exc:
        raise EngineError(f"{where} (type {fact['type']!r}): engine saw a duplicate fact identity") from exc
    except Exception as exc:
        raise EngineError(f"{where} (type {fact['type']!r}): durable_rules rejected the fact: {exc}") from exc


def _prepare(fact: Any, where: str) -> dict:
    """Check one fact and return a private JSON-native copy with "id" moved aside."""
    if type(fact) is not dict and not isinstance(fact, Mapping):  # dict first: ABC checks are slow
        raise ValueError(f"{where}: expected a fact object (mapping), got {type(fact).__name__}")
    kind = fact.get("type")
    if not isinstance(kind, str) or not kind:
        raise ValueError(f"{where}: a fact needs a non-empty str 'type', got {kind!r}")
    if kind == _SENTINEL:
        raise ValueError(f"{where}: fact type {kind!r} is reserved by govrules' engine")
    if not _RESERVED_KEYS.isdisjoint(fact):
        _check_keys(fact, where, kind)
    try:
        # Facts are nearly always plain JSON already: copy them directly (a json
        # round trip cost as much as asserting the fact); anything else goes through json.
        copy = plain_copy(fact)
    except NotPlain:
        # A key that is not a str is one way not to be plain, and has its own error. A plain
        # copy had str keys only, so the key-by-key walk is needed on this route alone.
        _check_keys(fact, where, kind)
        try:
            text = json.dumps(dict(fact), ensure_ascii=False, allow_nan=False)
        except (TypeError, ValueError) as exc:
            raise ValueError(
                f"{where} (type {kind!r}): not JSON-native ({exc}); pass dates as ISO strings"
            ) from exc
        copy = json.loads(text)
    if "id" in copy:
        copy[_USER_ID] = copy.pop("id")
    return copy


def _check_keys(fact: Mapping, where: str, kind: str) -> None:
    for key in fact:
        if not isinstance(key, str):
            raise ValueError(f"{where} (type {kind!r}): keys must be strings, got {key!r}")
        if key in _RESERVED_KEYS:
            raise ValueError(f"{where} (type {kind!r}): key {key!r} is reserved by govrules' engine")


class NotPlain(Exception):
    """Raised by plain_copy for a value json.loads could not have returned."""


_PLAIN_ATOMS = (str, int, bool, type(None))


def plain_copy(value: Any) -> Any:
    """A copy of ``value`` if it is exactly what json.loads would return for it, else NotPlain."""
    kind = type(value)
    if kind is dict:
        out = {}
        for key, item in value.items():
            if type(key) is not str:
                raise NotPlain
            # Strings, ints and booleans (most values) are kept without a call each.
            item_kind = type(item)
            out[key] = item if item_kind is str or item_kind is int or item_kind is bool else plain_copy(item)
        return out
    if kind is list:
        return [plain_copy(item) for item in value]
    if kind in _PLAIN_ATOMS or (kind is float and math.isfinite(value)):
        return value
    raise NotPlain


# --- definition checking -------------------------------------------------------------


def _compile(definition: Mapping[str, dict]) -> dict[str, dict]:
    """Validate ``definition`` and return the engine-ready copy (with "run" set)."""
    if not isinstance(definition, Mapping) or not definition:
        raise ValueError(f"definition: expected a non-empty mapping of rules, got {definition!r}")
    rules: dict[str, dict] = {}
    for name, rule in definition.items():
        if not isinstance(name, str) or not name:
            raise ValueError(f"definition: rule names must be non-empty strings, got {name!r}")
        if name == _SENTINEL:
            raise ValueError(f"rule {name!r}: this name is reserved by govrules' engine")
        rules[name] = _compile_rule(name, rule)
    # Insertion order is kept, so the sentinel is registered last; it only ever
    # matches the start fact, which no user pattern can match (type is required).
    rules[_SENTINEL] = {"all": [{"m": {"type": _SENTINEL}}], "run": _SENTINEL}
    return rules


def _compile_rule(name: str, rule: Any) -> dict:
    def fail(detail: str) -> ValueError:
        return ValueError(f"rule {name!r}: {detail}")

    if not isinstance(rule, Mapping):
        raise fail(f"expected a rule object, got {type(rule).__name__}")
    if "any" in rule:
        raise fail("'any' is not supported: durable_rules fires it once per matching subset (a, b, a+b); write one rule per alternative")
    unknown = sorted(set(rule) - {"all", "pri", "run"})
    if unknown:
        raise fail(f"unsupported key(s) {unknown}; a rule has 'all' and optionally 'pri'")
    patterns = rule.get("all")
    if not isinstance(patterns, list) or not patterns:
        raise fail(f"'all' must be a non-empty list of {{pattern: condition}}, got {patterns!r}")
    compiled: dict[str, Any] = {"all": []}
    if "pri" in rule:
        if isinstance(rule["pri"], bool) or not isinstance(rule["pri"], int):
            raise fail(f"'pri' must be an integer, got {rule['pri']!r}")
        compiled["pri"] = rule["pri"]
    seen: list[str] = []
    for entry in patterns:
        if not isinstance(entry, Mapping) or len(entry) != 1:
            raise fail(f"each 'all' entry must be a one-key {{pattern: condition}}, got {entry!r}")
        ((pattern, condition),) = entry.items()
        if not isinstance(pattern, str) or not pattern:
            raise fail(f"pattern names must be non-empty strings, got {pattern!r}")
        if pattern.endswith("$not"):
            raise fail(f"pattern {pattern!r}: '$not' is not supported: it is decided as facts arrive, so it can fire before a later fact lands; assert an explicit derived fact instead")
        if "$" in pattern:
            raise fail(f"pattern {pattern!r}: nested '$any'/'$all'/'$not' patterns are not supported")
        if pattern in seen:
            raise fail(f"pattern name {pattern!r} is used twice")
        checker = _ConditionChecker(name, pattern, tuple(seen))
        new_condition = checker.condition(condition)
        if _type_of(new_condition) is None:
            raise fail(
                f"pattern {pattern!r}: the condition must test equality on 'type' at its top level "
                f"(or inside a top-level '$and'); without it '$nex' matches the engine's own state and spins"
            )
        if _type_of(new_condition) == _SENTINEL:
            raise fail(f"pattern {pattern!r}: type {_SENTINEL!r} is reserved by govrules' engine")
        compiled["all"].append({pattern: new_condition})
        seen.append(pattern)
    compiled["run"] = name
    return compiled


def _type_of(condition: Mapping) -> str | None:
    ((key, value),) = condition.items()
    if key == "type" and isinstance(value, str):
        return value
    if key == "$and":
        for member in value:
            ((inner_key, inner_value),) = member.items()
            if inner_key == "type" and isinstance(inner_value, str):
                return inner_value
    return None


def _field(name: Any) -> str:
    # The caller's top-level "id" lives under _USER_ID inside the engine.
    if name == "id":
        return _USER_ID
    if isinstance(name, str) and name.startswith("id."):
        return _USER_ID + name[2:]
    return name


class _ConditionChecker:
    __slots__ = ("rule", "pattern", "earlier")

    def __init__(self, rule: str, pattern: str, earlier: tuple[str, ...]) -> None:
        self.rule = rule
        self.pattern = pattern
        self.earlier = earlier

    def fail(self, detail: str) -> ValueError:
        return ValueError(f"rule {self.rule!r}, pattern {self.pattern!r}: {detail}")

    def condition(self, condition: Any) -> dict:
        if not isinstance(condition, Mapping) or len(condition) != 1:
            # durable_rules reads only the first key of a multi-key object and
            # silently ignores the rest, so {"type": "a", "v": 1} would match v=2.
            raise self.fail(f"a condition must be a one-key object (combine tests with '$and'), got {condition!r}")
        ((key, value),) = condition.items()
        if not isinstance(key, str) or not key:
            raise self.fail(f"condition keys must be non-empty strings, got {key!r}")
        if key in _BOOLEAN:
            if not isinstance(value, list) or not value:
                raise self.fail(f"'{key}' needs a non-empty list of conditions, got {value!r}")
            return {key: [self.condition(member) for member in value]}
        if key.startswith("$"):
            field, operand = self._operand_of(key, value)
            if key in _EXISTENCE:
                return {key: {_field(field): 1}}
            if key in _ORDERING:
                if isinstance(operand, Mapping):
                    raise self.fail(
                        f"'{key}' on {field!r} compares against another fact or an expression; "
                        f"durable_rules segfaults on these (upstream #381). Compute the comparison "
                        f"into a derived fact before asserting"
                    )
                return {key: {_field(field): self._scalar(key, field, operand)}}
            if key in _EQUALITY:
                return {key: {_field(field): self._rvalue(key, field, operand)}}
            if key in _MATCHING:
                if not isinstance(operand, str):
                    raise self.fail(f"'{key}' on {field!r} needs a pattern string, got {operand!r}")
                return {key: {_field(field): operand}}
            if key in _ITEMS:
                # The inner condition tests array items through the "$i" pseudo-field;
                # it is passed through as written.
                return {key: {_field(field): operand}}
            raise self.fail(f"operator {key!r} is not supported by durable_rules 2.0.28; supported: {', '.join(_SUPPORTED)}")
        return {_field(key): self._rvalue("equality", key, value)}

    def _operand_of(self, op: str, value: Any) -> tuple[str, Any]:
        if not isinstance(value, Mapping) or len(value) != 1:
            raise self.fail(f"'{op}' needs a one-key {{field: value}} object, got {value!r}")
        ((field, operand),) = value.items()
        if not isinstance(field, str) or not field or field.startswith("$") and field != "$i":
            raise self.fail(f"'{op}' needs a field name, got {field!r}")
        return field, operand

    def _scalar(self, op: str, field: str, operand: Any) -> Any:
        if not isinstance(operand, _SCALARS):
            raise self.fail(f"'{op}' on {field!r}: expected a string, number, boolean or null, got {operand!r}")
        return operand

    def _rvalue(self, op: str, field: str, operand: Any) -> Any:
        if isinstance(operand, list):
            raise self.fail(f"{op} on {field!r}: list literals are not supported by durable_rules, got {operand!r}")
        if isinstance(operand, Mapping):
            return self._reference(op, field, operand)
        return self._scalar(op, field, operand)

    def _reference(self, op: str, field: str, operand: Mapping) -> dict:
        if len(operand) != 1:
            raise self.fail(f"{op} on {field!r}: a reference is a one-key {{pattern: field}}, got {operand!r}")
        ((source, target),) = operand.items()
        if source in _ARITHMETIC:
            if not isinstance(target, Mapping) or set(target) != {"$l", "$r"}:
                raise self.fail(f"{op} on {field!r}: '{source}' needs {{'$l': ..., '$r': ...}}, got {target!r}")
            return {source: {side: self._arith(op, field, target[side]) for side in ("$l", "$r")}}
        if source not in self.earlier:
            raise self.fail(
                f"{op} on {field!r} refers to pattern {source!r}, which is not an earlier pattern "
                f"of this rule (earlier: {list(self.earlier)})"
            )
        if not isinstance(target, str) or not target:
            raise self.fail(f"{op} on {field!r}: reference {operand!r} must name a field")
        return {source: _field(target)}

    def _arith(self, op: str, field: str, side: Any) -> Any:
        if isinstance(side, Mapping):
            return self._reference(op, field, side)
        return self._scalar(op, field, side)

"""四（一） conference, written by hand twice: on durable_rules' own Python DSL, and as if-statements.

The benchmark's yardsticks for govrules' ``conference`` ruleset: (a) what a programmer
gets writing the same decision straight against durable_rules (durable.lang, its global
host, one session per evaluation, deleted afterwards), and (b) plain Python, the floor.
Both return ``{"outcome", "rules", "consents_missing"}`` so the benchmark can check they
agree with govrules on every input before timing them.
"""

from __future__ import annotations

import itertools
from typing import Any, Mapping

from durable.lang import assert_fact, c, delete_state, m, ruleset, when_all

NAME = "raw_conference"
_results: dict[str, dict[str, Any]] = {}
_sessions = itertools.count()
_ids = itertools.count()


def _fired(c: Any, rule: str, outcome: str | None = None, missing: str | None = None) -> None:
    out = _results[c.m.sid]
    out["rules"].append(rule)
    if outcome == "denied":
        out["outcome"] = "denied"
    if missing:
        out["consents_missing"].append(missing)


def _consent(c: Any, by: str) -> None:
    c.assert_fact({"type": "consent_required", "by": by, "id": f"f{next(_ids)}", "sid": c.m.sid})


with ruleset(NAME):
    @when_all((m.type == "conference") & (m.town_wide == True))  # noqa: E712 - the DSL's equality
    def town_wide_needs_mayor(c):
        _fired(c, "conference.town-wide-needs-mayor")
        _consent(c, "mayor")

    @when_all((m.type == "conference") & (m.town_wide == True) & (m.overall_work == True))  # noqa: E712
    def overall_work_needs_party_secretary(c):
        _fired(c, "conference.overall-work-needs-party-secretary")
        _consent(c, "party_secretary")

    @when_all(c.req << ((m.type == "consent_required") & (m.by == "mayor")),
              c.conf << ((m.type == "conference") & (m.mayor_approved == False)))  # noqa: E712
    def mayor_consent_missing(c):
        _results[c.conf.sid]["rules"].append("conference.mayor-consent-missing")
        _results[c.conf.sid]["outcome"] = "denied"
        _results[c.conf.sid]["consents_missing"].append("mayor")

    @when_all(c.req << ((m.type == "consent_required") & (m.by == "party_secretary")),
              c.conf << ((m.type == "conference") & (m.party_secretary_approved == False)))  # noqa: E712
    def party_secretary_consent_missing(c):
        _results[c.conf.sid]["rules"].append("conference.party-secretary-consent-missing")
        _results[c.conf.sid]["outcome"] = "denied"
        _results[c.conf.sid]["consents_missing"].append("party_secretary")

    @when_all((m.type == "conference") & (m.town_wide == True) & (m.mayor_approved == True)  # noqa: E712
              & ((m.overall_work == False) | (m.party_secretary_approved == True)))  # noqa: E712
    def consents_given(c):
        _fired(c, "conference.consents-given")

    @when_all((m.type == "conference") & (m.town_wide == False))  # noqa: E712
    def not_town_wide(c):
        _fired(c, "conference.not-town-wide")


_FIELDS = ("town_wide", "overall_work", "mayor_approved", "party_secretary_approved")


def raw_decide(facts: Mapping[str, Any]) -> dict[str, Any]:
    """The decision on durable_rules directly: one fresh session, deleted afterwards."""
    given = facts["conference"]
    sid = f"s{next(_sessions)}"
    _results[sid] = out = {"outcome": "allowed", "rules": [], "consents_missing": []}
    fact = {"type": "conference", "id": f"f{next(_ids)}", "sid": sid}
    fact.update({k: bool(given.get(k, False)) for k in _FIELDS})
    try:
        assert_fact(NAME, fact)
    finally:
        # Every conference fires at least one rule (town_wide is true or false), so
        # delete_state never meets a session without actions (a known segfault).
        delete_state(NAME, sid)
        del _results[sid]
    order = {"mayor": 0, "party_secretary": 1}
    out["consents_missing"].sort(key=order.__getitem__)
    return out


def plain_decide(facts: Mapping[str, Any]) -> dict[str, Any]:
    """The same decision as if-statements: the floor no rule engine can beat."""
    f = facts["conference"]
    town_wide, overall = bool(f.get("town_wide")), bool(f.get("overall_work"))
    mayor, secretary = bool(f.get("mayor_approved")), bool(f.get("party_secretary_approved"))
    rules: list[str] = []
    missing: list[str] = []
    if not town_wide:
        return {"outcome": "allowed", "rules": ["conference.not-town-wide"], "consents_missing": []}
    rules.append("conference.town-wide-needs-mayor")
    if overall:
        rules.append("conference.overall-work-needs-party-secretary")
    if not mayor:
        rules.append("conference.mayor-consent-missing")
        missing.append("mayor")
    if overall and not secretary:
        rules.append("conference.party-secretary-consent-missing")
        missing.append("party_secretary")
    if mayor and (not overall or secretary):
        rules.append("conference.consents-given")
    return {"outcome": "denied" if missing else "allowed", "rules": rules, "consents_missing": missing}

"""五（二）、五（三） signing, written by hand twice: on durable_rules' Python DSL, and as if-statements.

The yardsticks for govrules' ``signing`` ruleset (see raw_conference.py). Like govrules,
the raw version computes the set look-ups in Python first (durable_rules must not
compare two facts with > or <), then lets the engine chain: a document with one vice
mayor in charge asserts ``sole_in_charge``, several assert ``several_in_charge``, and
rules on those decide. Both return ``{"outcome", "rules", "missing_reviews"}``.
"""

from __future__ import annotations

import itertools
from typing import Any, Mapping

import re

from durable.engine import MessageNotHandledException
from durable.lang import assert_fact, c, delete_state, m, ruleset, when_all

NAME = "raw_signing"
ISSUERS = {"镇政府": "town_government", "镇政府办公室": "government_office"}
ROLES = {"镇长": "mayor", "副镇长": "vice_mayor", "镇党委书记": "party_secretary", "镇政府办公室": "office",
         "镇政府办主任": "office_director", "部门": "department", "镇属事业单位": "public_institution",
         "镇属企业": "town_company", "村（居）委": "village_committee"}
PURPOSES = {"传达贯彻上级指示决定", "重要决策", "行政规章", "全镇性重要工作部署", "重要行政措施", "规范性文件",
            "向上级的重要请示报告", "relay_superior", "major_decision", "administrative_rule",
            "town_wide_deployment", "administrative_measure", "normative_document", "request_to_superior"}
_RANK = {"denied": 0, "undetermined": 1, "allowed": 2}
_results: dict[str, dict[str, Any]] = {}
_sessions = itertools.count()
_ids = itertools.count()


def _hit(sid: str, rule: str, outcome: str | None = None) -> None:
    out = _results[sid]
    out["rules"].append(rule)
    if outcome and (out["outcome"] is None or _RANK[outcome] < _RANK[out["outcome"]]):
        out["outcome"] = outcome


with ruleset(NAME):
    @when_all((m.type == "document") & (m.issuer == "town_government"), c.s << ((m.type == "signer") & (m.role == "mayor")))
    def town_mayor(c):
        _hit(c.s.sid, "signing.town-doc.mayor", "allowed")

    @when_all((m.type == "document") & (m.issuer == "town_government"),
              c.s << ((m.type == "signer") & (m.role == "vice_mayor") & (m.delegated_by_mayor == True)))  # noqa: E712
    def town_delegated(c):
        _hit(c.s.sid, "signing.town-doc.delegated-vice-mayor", "allowed")

    @when_all((m.type == "document") & (m.issuer == "town_government"),
              c.s << ((m.type == "signer") & (m.role == "vice_mayor") & (m.delegated_by_mayor == False)))  # noqa: E712
    def town_undelegated(c):
        _hit(c.s.sid, "signing.town-doc.undelegated-vice-mayor", "denied")

    @when_all((m.type == "document") & (m.issuer == "town_government"),
              c.s << ((m.type == "signer") & (m.role != "mayor") & (m.role != "vice_mayor")))
    def town_other(c):
        _hit(c.s.sid, "signing.town-doc.other-signer", "denied")

    @when_all(c.d << ((m.type == "document") & (m.issuer == "town_government") & (m.purpose_listed == False)))  # noqa: E712
    def purpose_outside(c):
        _hit(c.d.sid, "signing.town-doc.purpose-outside-list")

    @when_all(c.d << ((m.type == "document") & (m.issuer == "government_office") & (m.in_charge_count == 1)))
    def one_in_charge(c):
        _hit(c.d.sid, "signing.office-doc.one-vice-mayor-in-charge")
        c.assert_fact({"type": "sole_in_charge", "name": c.d.sole, "id": f"f{next(_ids)}", "sid": c.d.sid})

    @when_all(c.d << ((m.type == "document") & (m.issuer == "government_office") & (m.in_charge_count > 1)))
    def several(c):
        _hit(c.d.sid, "signing.office-doc.several-vice-mayors-in-charge")
        c.assert_fact({"type": "several_in_charge", "count": c.d.in_charge_count, "id": f"f{next(_ids)}",
                       "sid": c.d.sid})

    @when_all(m.type == "sole_in_charge", c.s << ((m.type == "signer") & (m.role == "vice_mayor") & (m.in_charge == True)))  # noqa: E712
    def sole_signs(c):
        _hit(c.s.sid, "signing.office-doc.vice-mayor-in-charge-signs", "allowed")

    @when_all(m.type == "sole_in_charge",
              c.s << ((m.type == "signer") & ((m.in_charge == False) | (m.role != "vice_mayor"))))  # noqa: E712
    def sole_not(c):
        _hit(c.s.sid, "signing.office-doc.not-the-vice-mayor-in-charge", "denied")

    @when_all(m.type == "several_in_charge", c.d << ((m.type == "document") & (m.missing_review_count > 0)))
    def reviews_missing(c):
        _hit(c.d.sid, "signing.office-doc.reviews-missing", "denied")

    @when_all(m.type == "several_in_charge", (m.type == "document") & (m.missing_review_count == 0),
              c.s << ((m.type == "signer") & (m.role == "mayor")))
    def mayor_after_reviews(c):
        _hit(c.s.sid, "signing.office-doc.mayor-signs-after-reviews", "allowed")

    @when_all(m.type == "several_in_charge", m.type == "document", c.s << ((m.type == "signer") & (m.role != "mayor")))
    def several_not_mayor(c):
        _hit(c.s.sid, "signing.office-doc.several-not-mayor", "denied")

    @when_all(c.d << ((m.type == "document") & (m.issuer == "government_office") & (m.in_charge_count == 0)))
    def nobody(c):
        _hit(c.d.sid, "signing.office-doc.no-vice-mayor-in-charge", "undetermined")

    @when_all(c.a << ((m.type == "approval") & (m.has_opinion == False)))  # noqa: E712
    def no_opinion(c):
        _hit(c.a.sid, "signing.approval.no-opinion", "denied")

    @when_all(c.a << ((m.type == "approval") & (m.has_name == False)))  # noqa: E712
    def no_name(c):
        _hit(c.a.sid, "signing.approval.no-name", "denied")

    @when_all(c.a << ((m.type == "approval") & (m.has_date == False)))  # noqa: E712
    def no_date(c):
        _hit(c.a.sid, "signing.approval.no-date", "denied")


def _derive(facts: Mapping[str, Any]) -> dict[str, Any]:
    doc, signer = facts["document"], facts["signer"]
    division = facts.get("division") or {}
    in_charge: list[str] = []
    for p in doc.get("portfolios") or ():
        name = division.get(p)
        if name is not None and name not in in_charge:
            in_charge.append(name)
    reviewed = {r.get("name") for r in facts.get("reviews") or ()}
    missing = [n for n in in_charge if n not in reviewed]
    purpose = re.sub(r"[\s、，,。.；;：:（）()]", "", doc.get("purpose") or "")
    return {
        "issuer": ISSUERS.get(doc["issuer"], doc["issuer"]), "in_charge": in_charge, "missing": missing,
        "purpose_listed": (purpose in PURPOSES) if purpose else None,
        "role": ROLES.get(signer.get("role"), signer.get("role")), "name": signer.get("name"),
        "delegated": bool(signer.get("delegated_by_mayor")), "approval": facts.get("approval"),
    }


def raw_decide(facts: Mapping[str, Any]) -> dict[str, Any]:
    """The decision on durable_rules directly: derived fields in Python, chaining in the engine."""
    d = _derive(facts)
    sid = f"s{next(_sessions)}"
    _results[sid] = out = {"outcome": None, "rules": []}
    document = {"type": "document", "issuer": d["issuer"], "in_charge_count": len(d["in_charge"]),
                "missing_review_count": len(d["missing"]), "sid": sid, "id": f"f{next(_ids)}"}
    if d["in_charge"]:
        document["sole"] = d["in_charge"][0]
    if d["purpose_listed"] is not None:
        document["purpose_listed"] = d["purpose_listed"]
    signer = {"type": "signer", "role": d["role"], "in_charge": d["name"] in d["in_charge"],
              "delegated_by_mayor": d["delegated"], "sid": sid, "id": f"f{next(_ids)}"}
    try:
        assert_fact(NAME, document)
        assert_fact(NAME, signer)
        if d["approval"] is not None:
            a = d["approval"]
            try:
                assert_fact(NAME, {"type": "approval", "has_opinion": bool((a.get("opinion") or "").strip()),
                                   "has_name": bool((a.get("name") or "").strip()),
                                   "has_date": bool((a.get("date") or "").strip()), "sid": sid,
                                   "id": f"f{next(_ids)}"})
            except MessageNotHandledException:
                pass  # a complete approval matches no rule
    finally:
        # Every document meets an issuer rule, so an action has run before delete_state.
        delete_state(NAME, sid)
        del _results[sid]
    out["outcome"] = out["outcome"] or "undetermined"
    out["missing_reviews"] = d["missing"] if "signing.office-doc.reviews-missing" in out["rules"] else []
    return out


def plain_decide(facts: Mapping[str, Any]) -> dict[str, Any]:
    """The same decision as if-statements."""
    d = _derive(facts)
    rules: list[str] = []
    outcomes: list[str] = []
    role, count = d["role"], len(d["in_charge"])
    if d["issuer"] == "town_government":
        if role == "mayor":
            rules.append("signing.town-doc.mayor"); outcomes.append("allowed")  # noqa: E702
        elif role == "vice_mayor":
            if d["delegated"]:
                rules.append("signing.town-doc.delegated-vice-mayor"); outcomes.append("allowed")  # noqa: E702
            else:
                rules.append("signing.town-doc.undelegated-vice-mayor"); outcomes.append("denied")  # noqa: E702
        else:
            rules.append("signing.town-doc.other-signer"); outcomes.append("denied")  # noqa: E702
        if d["purpose_listed"] is False:
            rules.append("signing.town-doc.purpose-outside-list")
    elif count == 0:
        rules.append("signing.office-doc.no-vice-mayor-in-charge"); outcomes.append("undetermined")  # noqa: E702
    elif count == 1:
        rules.append("signing.office-doc.one-vice-mayor-in-charge")
        if role == "vice_mayor" and d["name"] in d["in_charge"]:
            rules.append("signing.office-doc.vice-mayor-in-charge-signs"); outcomes.append("allowed")  # noqa: E702
        else:
            rules.append("signing.office-doc.not-the-vice-mayor-in-charge"); outcomes.append("denied")  # noqa: E702
    else:
        rules.append("signing.office-doc.several-vice-mayors-in-charge")
        if d["missing"]:
            rules.append("signing.office-doc.reviews-missing"); outcomes.append("denied")  # noqa: E702
        elif role == "mayor":
            rules.append("signing.office-doc.mayor-signs-after-reviews"); outcomes.append("allowed")  # noqa: E702
        if role != "mayor":
            rules.append("signing.office-doc.several-not-mayor"); outcomes.append("denied")  # noqa: E702
    a = d["approval"]
    if a is not None:
        for key, rule in (("opinion", "no-opinion"), ("name", "no-name"), ("date", "no-date")):
            if not (a.get(key) or "").strip():
                rules.append(f"signing.approval.{rule}"); outcomes.append("denied")  # noqa: E702
    outcome = min(outcomes, key=_RANK.__getitem__) if outcomes else "undetermined"
    return {"outcome": outcome, "rules": rules,
            "missing_reviews": d["missing"] if "signing.office-doc.reviews-missing" in rules else []}

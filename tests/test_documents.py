"""Document-handling rulesets (五（二）–（六）) at the facade, and the functions they derive with."""

from __future__ import annotations

import json

import pytest

import govrules
from govrules import InputError
from govrules._calendar import default_calendar
from govrules._derive import Context
from govrules._derive_documents import code_of, only


@pytest.fixture
def ctx() -> Context:
    return Context(default_calendar())


# ---- derived functions ----------------------------------------------------------------------


def test_only_gives_the_single_item_and_nothing_otherwise(ctx: Context) -> None:
    """only(): the item of a one-item list; None for empty or several items."""
    assert only(ctx, ["李四"]) == "李四"
    assert only(ctx, []) is None
    assert only(ctx, None) is None
    assert only(ctx, ["李四", "王五"]) is None


def test_code_of_accepts_code_or_term_with_or_without_enumeration_commas(ctx: Context) -> None:
    """code_of(): the code for a code, a term, or a term typed with 、; None for anything unlisted."""
    values = {"relay_superior": "传达贯彻上级指示决定", "normative_document": "规范性文件"}
    assert code_of(ctx, "relay_superior", values) == "relay_superior"
    assert code_of(ctx, "传达贯彻上级指示决定", values) == "relay_superior"
    assert code_of(ctx, "传达贯彻上级指示、决定", values) == "relay_superior"
    assert code_of(ctx, "会议通知", values) is None
    assert code_of(ctx, None, values) is None


# ---- foundation behaviour these rulesets rely on -------------------------------------------


def test_message_placeholders_naming_a_derived_list_print_it_joined() -> None:
    """A message naming a derived list field ({submission.in_charge}) shows the names joined with 、."""
    v = govrules.check_submission(
        submission={"kind": "request", "sender": "department", "approval_item": True,
                    "portfolios": ["agriculture", "urban"]},
        division={"agriculture": "李四", "urban": "王五"},
    )
    messages = [f.message for f in v.findings if f.rule == "submission.request.to-mayor"]
    assert messages and "李四、王五" in messages[0]


def test_blank_optional_text_counts_as_not_filled_in() -> None:
    """A blank optional string is read as omitted (no InputError), so a blank form field is 'missing'."""
    v = govrules.check_submission(submission={"kind": "report", "sender": "department", "title": "  ",
                                              "contains_request": False, "addressed_to": "office"})
    assert v.outcome == "accepted"


# ---- submission -------------------------------------------------------------------------------


def test_submission_route_follows_the_division_of_labour() -> None:
    """The same request goes to whichever vice mayor the division names for its portfolio."""
    sub = {"kind": "请示", "sender": "部门", "matters": 1, "approval_item": True, "portfolios": ["urban"]}
    assert govrules.check_submission(submission=sub, division={"urban": "王五"}).data["route"] == ["office", "王五"]
    assert govrules.check_submission(submission=sub, division={"urban": "赵七"}).data["route"] == ["office", "赵七"]


def test_submission_matters_given_as_a_word_names_the_field() -> None:
    """matters: "two" is an InputError whose path is submission.matters."""
    with pytest.raises(InputError) as err:
        govrules.check_submission(submission={"kind": "request", "sender": "department", "matters": "two"})
    assert err.value.path == "submission.matters"


# ---- signing --------------------------------------------------------------------------------

_DIVISION = {"agriculture": "李四", "urban": "王五"}


def test_signing_names_who_must_still_review_and_the_clause() -> None:
    """Several vice mayors in charge, one review missing: denied, missing_reviews names him, cites 五（二）2."""
    v = govrules.check_signing(
        document={"issuer": "government_office", "portfolios": ["agriculture", "urban"]},
        signer={"name": "张三", "role": "mayor"},
        division=_DIVISION,
        reviews=[{"name": "李四", "role": "vice_mayor"}],
    )
    assert (v.outcome, v.allowed) == ("denied", False)
    assert v.data["missing_reviews"] == ["王五"]
    [finding] = [f for f in v.findings if f.severity == "violation"]
    assert finding.clause == "5.2.2" and finding.label == "五（二）2"
    assert "王五" in finding.message and finding.data == {"missing_reviews": ["王五"]}


def test_signing_trace_shows_the_several_in_charge_chain() -> None:
    """The rule concluding 'several vice mayors in charge' fires first and asserts the fact the decision matches."""
    v = govrules.check_signing(
        document={"issuer": "镇政府办公室", "portfolios": ["agriculture", "urban"]},
        signer={"name": "张三", "role": "镇长"},
        division=_DIVISION,
        reviews=[{"name": "李四", "role": "副镇长"}, {"name": "王五", "role": "副镇长"}],
    )
    steps = [t.rule for t in v.trace]
    assert steps == ["signing.office-doc.several-vice-mayors-in-charge", "signing.office-doc.mayor-signs-after-reviews"]
    assert v.trace[0].asserted == ({"type": "several_in_charge", "count": 2},)
    assert v.outcome == "allowed" and v.clauses == ("5.2.2",)


def test_signing_same_document_flips_with_the_division_of_labour() -> None:
    """李四 may sign the agriculture document while he holds agriculture, not after it moves to 王五."""
    doc = {"issuer": "government_office", "portfolios": ["agriculture"]}
    signer = {"name": "李四", "role": "vice_mayor"}
    assert govrules.check_signing(document=doc, signer=signer, division=_DIVISION).allowed is True
    assert govrules.check_signing(document=doc, signer=signer, division={"agriculture": "王五"}).allowed is False


def test_signing_is_exactly_evaluate_and_stable() -> None:
    """check_signing(...) equals evaluate('signing', {...}) byte for byte in JSON."""
    facts = {"document": {"issuer": "town_government", "purpose": "会议通知"}, "signer": {"name": "张三", "role": "mayor"}}
    a = govrules.check_signing(**facts).to_dict()
    b = govrules.evaluate("signing", facts).to_dict()
    assert json.dumps(a, ensure_ascii=False, sort_keys=True) == json.dumps(b, ensure_ascii=False, sort_keys=True)
    assert [f["severity"] for f in a["findings"]] == ["warning", "info"]


@pytest.mark.parametrize(
    ("kwargs", "path"),
    [
        ({"document": {"issuer": "town_government"}, "signer": {"name": "张三", "role": "boss"}}, "signer.role"),
        ({"document": {"portfolios": ["agriculture"]}, "signer": {"name": "张三", "role": "mayor"}}, "document.issuer"),
        ({"document": {"issuer": "town_government"}}, "signer"),
        ({"document": {"issuer": "town_government"}, "signer": {"name": "张三", "role": "mayor"},
          "reviews": [{"name": "李四"}]}, "reviews[0].role"),
    ],
)
def test_signing_bad_input_names_the_field(kwargs: dict, path: str) -> None:
    """Unknown role, missing issuer, missing signer, a reviewer without role: InputError naming the path."""
    with pytest.raises(InputError) as err:
        govrules.check_signing(**kwargs)
    assert err.value.path == path


# ---- seal and disclosure ----------------------------------------------------------------------


def test_seal_only_mayor_or_vice_mayor_approves() -> None:
    """A vice mayor's approval allows the seal; the office director's does not."""
    ok = govrules.check_seal(seal_use={"approver": {"name": "李四", "role": "副镇长"}, "purpose": "合同用印"})
    no = govrules.check_seal(seal_use={"approver": {"name": "赵六", "role": "office_director"}})
    assert (ok.outcome, no.outcome) == ("allowed", "denied")
    assert ok.clauses == no.clauses == ("5.3",)


def test_disclosure_exemption_beats_public_interest() -> None:
    """A document of public interest that touches personal privacy is exempt and not allowed."""
    v = govrules.classify_disclosure(document={"citizens_interest": True, "personal_privacy": True})
    assert (v.outcome, v.allowed) == ("exempt", False)
    assert v.data["exempt_grounds"] == ["personal_privacy"]


def test_examples_evaluate_to_their_documented_outcomes() -> None:
    """The bundled examples load as facts and give the outcome a clerk would expect."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[1] / "examples"
    expected = {
        "signing-office-doc-two-vice-mayors.json": ("signing", "denied"),
        "seal-vice-mayor-approval.json": ("seal", "allowed"),
        "submission-request-two-portfolios.json": ("submission", "accepted"),
        "disclosure-citizens-interest.json": ("disclosure", "proactive"),
    }
    for name, (ruleset, outcome) in expected.items():
        facts = json.loads((root / name).read_text(encoding="utf-8"))
        assert govrules.evaluate(ruleset, facts).outcome == outcome, name


def test_person_class_is_accepted_where_a_person_mapping_is():
    """govrules.Person (Chinese role term included) gives the same verdict as the equivalent mapping."""
    doc = {"issuer": "government_office", "portfolios": ["agriculture", "urban"]}
    division = {"agriculture": "李四", "urban": "王五"}
    as_class = govrules.check_signing(document=doc, division=division, signer=govrules.Person("张三", "镇长"),
                                      reviews=[govrules.Person("李四", "副镇长", portfolios=["agriculture"])])
    as_dict = govrules.check_signing(document=doc, division=division, signer={"name": "张三", "role": "mayor"},
                                     reviews=[{"name": "李四", "role": "vice_mayor", "portfolios": ["agriculture"]}])
    assert as_class.to_dict() == as_dict.to_dict()
    assert as_class.data["missing_reviews"] == ["王五"]

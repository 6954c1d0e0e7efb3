"""Document-handling rulesets (五（二）–（六）) at the facade, and the functions they derive with."""

from __future__ import annotations

import json

import pytest

import govrules
from govrules import InputError
from govrules._calendar import default_calendar
from govrules._derive import Context
from govrules._derive_documents import code_of, only, value_or


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


def test_value_or_keeps_a_given_value_even_when_falsy(ctx: Context) -> None:
    """value_or(): a given 0 stays 0; only an omitted value takes the default."""
    assert value_or(ctx, 0, 1) == 0
    assert value_or(ctx, 3, 1) == 3
    assert value_or(ctx, None, 1) == 1


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
    v = govrules.check_submission(submission={"kind": "report", "sender": "department", "title": "  "})
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

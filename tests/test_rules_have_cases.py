"""Suite-wide enforcement for every shipped ruleset: each rule is fired by a spec case and left
unfired by another, cites a clause of the catalogue, and quotes that clause verbatim."""

from __future__ import annotations

import pytest

from govrules import _catalogue
from govrules._coverage import rule_coverage, ruleset_cases
from govrules._facade import evaluate
from govrules._rulesets import available, ruleset_dir, runner

RULESETS = available()


@pytest.fixture(scope="module", params=RULESETS)
def covered(request: pytest.FixtureRequest):
    spec = runner(request.param).spec
    cases_file = ruleset_dir() / f"{spec.name}.cases.yaml"
    return spec, rule_coverage(spec, ruleset_cases(spec, cases_file, evaluate).cases)


@pytest.mark.parametrize("name", RULESETS)
def test_every_ruleset_has_a_cases_file(name: str) -> None:
    """Each shipped rule file has its executable specs beside it (rulesets/<name>.cases.yaml)."""
    assert (ruleset_dir() / f"{name}.cases.yaml").is_file(), f"{name} has no {name}.cases.yaml"


def test_every_rule_has_a_case_where_it_fires(covered) -> None:
    """Each rule appears in the verdict trace of at least one of its ruleset's spec cases."""
    spec, rules = covered
    missing = [r.rule for r in rules if not r.firing]
    assert not missing, f"{spec.name}: no case fires {missing}"


def test_every_rule_has_a_case_where_it_does_not_fire(covered) -> None:
    """Each rule is absent from the trace of at least one spec case that reached a verdict."""
    spec, rules = covered
    missing = [r.rule for r in rules if not r.not_firing]
    assert not missing, f"{spec.name}: every case with a verdict fires {missing}"


@pytest.mark.parametrize("name", RULESETS)
def test_every_rule_cites_a_catalogue_clause_in_its_own_words(name: str) -> None:
    """Each rule's clause id is in the catalogue and its quote occurs verbatim in that clause's text."""
    spec = runner(name).spec
    ids = _catalogue.clause_ids()
    unknown = [(r.id, r.clause) for r in spec.rules if r.clause not in ids]
    assert not unknown, f"{name}: rules cite unknown clauses {unknown}"
    not_verbatim = [(r.id, r.clause) for r in spec.rules if not _catalogue.quote_in_clause(r.quote, r.clause)]
    assert not not_verbatim, f"{name}: quotes not verbatim in their clause {not_verbatim}"


def test_the_conference_ruleset_is_among_those_checked() -> None:
    """The enforcement is not vacuous: the worked example ruleset is collected."""
    assert "conference" in RULESETS

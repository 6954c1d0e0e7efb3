"""The HTTP service in-process (Starlette's TestClient): routes, problem+json errors, never a 500."""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from urllib.parse import quote

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
with warnings.catch_warnings():
    # Starlette's TestClient asks for httpx2, which needs Python 3.11; 3.10 has only httpx (pyproject).
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient` is deprecated")
    from starlette.testclient import TestClient

import govrules
from govrules._log import read_log
from govrules._rulesets import available
from govrules._serve import create_app

ROOT = Path(__file__).resolve().parents[1]
JSON = {"content-type": "application/json"}
SIGNING = (ROOT / "examples" / "signing-office-doc-two-vice-mayors.json").read_bytes()


@pytest.fixture(scope="module")
def client():
    with TestClient(create_app(max_body=4096)) as c:
        yield c


def _problem(r, status: int) -> dict:
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == "application/problem+json"
    body = r.json()
    assert body["status"] == status and body["type"].startswith("urn:govrules:problem:")
    assert body["title"] and body["detail"]
    return body


def test_check_answers_the_verdict_as_to_dict(client):
    """POST /v1/check/signing returns 200 and evaluate(...).to_dict(), though the outcome is a denial."""
    r = client.post("/v1/check/signing", content=SIGNING, headers=JSON)
    assert r.status_code == 200 and r.headers["content-type"] == "application/json"
    assert r.json() == govrules.evaluate("signing", json.loads(SIGNING)).to_dict()
    assert r.json()["outcome"] == "denied"


def test_remedies_can_be_left_out(client):
    """?remedies=false leaves data.remedies out, as --no-remedies does; a value not true/false is 400."""
    with_them = client.post("/v1/check/signing", content=SIGNING, headers=JSON).json()
    without = client.post("/v1/check/signing?remedies=false", content=SIGNING, headers=JSON).json()
    assert "remedies" in with_them["data"] and "remedies" not in without["data"]
    assert _problem(client.post("/v1/check/signing?remedies=maybe", content=SIGNING, headers=JSON), 400)["field"] \
        == "remedies"


def test_bad_input_is_400_naming_the_field(client):
    """A mistyped fact is 400 problem+json whose field is the InputError's path."""
    r = client.post("/v1/check/conference", json={"conference": {"town_wide": "yes"}})
    assert _problem(r, 400)["field"] == "conference.town_wide"


def test_unknown_ruleset_is_404_with_did_you_mean(client):
    """POST /v1/check/signin is 404 suggesting signing."""
    body = _problem(client.post("/v1/check/signin", content=SIGNING, headers=JSON), 404)
    assert "did you mean 'signing'" in body["detail"] and body["field"] == "ruleset"


@pytest.mark.parametrize("ctype", [None, "text/plain", "application/x-www-form-urlencoded"])
def test_non_json_is_415(client, ctype):
    """A body that is not declared JSON is 415."""
    headers = {"content-type": ctype} if ctype else {}
    _problem(client.post("/v1/check/signing", content=SIGNING, headers=headers), 415)


def test_json_with_a_charset_or_plus_json_is_accepted(client):
    """application/json; charset=utf-8 and application/facts+json are JSON."""
    for ctype in ("application/json; charset=utf-8", "application/facts+json"):
        assert client.post("/v1/check/signing", content=SIGNING, headers={"content-type": ctype}).status_code == 200


def test_body_over_the_limit_is_413(client):
    """A body over --max-body (4096 here) is 413, declared or streamed."""
    big = json.dumps({"document": {"issuer": "镇政府", "title": "x" * 5000}}).encode()
    _problem(client.post("/v1/check/signing", content=big, headers=JSON), 413)
    _problem(client.post("/v1/check/signing", content=iter([big[:3000], big[3000:]]), headers=JSON), 413)


def test_duplicate_keys_are_400_naming_the_key(client):
    """The same key twice in one object is 400 naming it, never last-wins."""
    body = b'{"conference": {"town_wide": true, "town_wide": false}}'
    assert _problem(client.post("/v1/check/conference", content=body, headers=JSON), 400)["field"] == "town_wide"


@pytest.mark.parametrize("body", [b"{", b"\xff\xfe", b"NaN", b'{"a": Infinity}', b"[" * 2000 + b"]" * 2000, b""])
def test_malformed_json_is_400(client, body):
    """Broken, non-UTF-8, NaN, too deeply nested or empty bodies are 400 on the body."""
    assert _problem(client.post("/v1/check/conference", content=body, headers=JSON), 400)["field"] == "body"


def test_missing_calendar_year_is_422_saying_how(client):
    """A meeting in a year chinese_calendar lacks is 422 naming the year and the --calendar option."""
    facts = {"meeting": {"kind": "mayor_office_meeting", "date": "2031-10-08"}}
    body = _problem(client.post("/v1/check/meeting", json=facts), 422)
    assert body["year"] == 2031 and "--calendar 2031.yaml" in body["detail"]
    assert _problem(client.get("/v1/timeline/2031-10-08"), 422)["year"] == 2031


def test_calendar_file_given_at_start_is_used(tmp_path):
    """A server started with a year file answers for that year."""
    year = tmp_path / "2031.yaml"
    year.write_text('year: 2031\nholidays: ["2031-10-01..2031-10-07"]\nworkdays: []\n', encoding="utf-8")
    with TestClient(create_app(calendars=[str(year)])) as c:
        r = c.get("/v1/timeline/2031-10-08")
    assert r.status_code == 200 and r.json()["agenda_cutoff"]["date"] == "2031-09-29"


def test_reference_routes(client):
    """rulesets, schema, clauses, timeline and healthz answer JSON; unknown ones are 404 problems."""
    names = [r["name"] for r in client.get("/v1/rulesets").json()]
    assert names == available() and len(names) == 8
    s = client.get("/v1/schema/seal")
    assert s.headers["content-type"] == "application/schema+json" and s.json() == govrules.schema("seal")
    assert client.get("/v1/clauses/5.2.1").json() == govrules.clause("5.2.1").to_dict()
    assert client.get("/v1/clauses/" + quote("五（二）1")).json()["id"] == "5.2.1"
    assert _problem(client.get("/v1/clauses/9.9.9"), 404)["field"] == "id"
    assert client.get("/v1/timeline/2026-10-08").json() == govrules.meeting_timeline("2026-10-08").to_dict()
    assert _problem(client.get("/v1/timeline/tomorrow"), 400)["field"] == "date"
    assert client.get("/healthz").json()["status"] == "ok"
    _problem(client.get("/v1/schema/sael"), 404)
    _problem(client.get("/v2/nothing"), 404)
    assert _problem(client.get("/v1/check/signing"), 405)


def test_openapi_uses_the_same_schemas(client):
    """/openapi.json is OpenAPI 3.1 whose request schemas are govrules.schema's, $defs shared."""
    doc = client.get("/openapi.json").json()
    assert doc["openapi"].startswith("3.1")
    schemas = doc["components"]["schemas"]
    for name in ("signing", "meeting"):
        op = doc["paths"][f"/v1/check/{name}"]["post"]
        assert op["requestBody"]["content"]["application/json"]["schema"]["$ref"] == f"#/components/schemas/{name}_facts"
        own = govrules.schema(name)
        assert schemas[f"{name}_facts"]["properties"].keys() == own["properties"].keys()
    assert "person" in schemas and "#/$defs/" not in json.dumps(doc)
    # Resolved against the document, a request schema accepts the bundled example.
    resolver_doc = {**schemas["signing_facts"], "components": doc["components"]}
    jsonschema.Draft202012Validator(resolver_doc).validate(json.loads(SIGNING))


def test_decision_log_records_each_verdict(tmp_path):
    """With a log, each verdict is one whole JSON line with the ruleset, outcome and input hash."""
    log = tmp_path / "decisions.jsonl"
    with TestClient(create_app(log_path=str(log))) as c:
        for _ in range(3):
            assert c.post("/v1/check/signing", content=SIGNING, headers=JSON).status_code == 200
        c.post("/v1/check/signing", json={"document": {}})  # refused: not a decision, not logged
    records = read_log(log)
    assert len(records) == 3 and {r["outcome"] for r in records} == {"denied"}
    assert all(r["input_hash"].startswith("hmac-sha256:") for r in records)  # keyed (docs/auditing.md)


def test_log_in_a_missing_directory_is_refused_at_start(tmp_path):
    """A decision log path in no directory is an InputError when the app is made, not at the first request."""
    with pytest.raises(govrules.InputError):
        create_app(log_path=str(tmp_path / "no" / "such" / "log.jsonl"))


# ---- never a 500 ---------------------------------------------------------------------------------

_WORDS = ["signing", "meeting", "conference", "document", "issuer", "signer", "name", "role", "leaders", "date",
          "kind", "镇政府", "mayor", "", "..", "%", "5.2.1"]
_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-3, 10**20), st.floats(allow_nan=False),
                     st.sampled_from(_WORDS), st.text(max_size=8))
_JSONISH = st.recursive(_SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(st.sampled_from(_WORDS), inner, max_size=4)), max_leaves=12)
_BODIES = st.one_of(st.binary(max_size=64), _JSONISH.map(lambda v: json.dumps(v).encode()),
                    _JSONISH.map(lambda v: json.dumps({"document": v, "signer": v, "meeting": v}).encode()))
_PATHS = st.builds(lambda head, parts: head + "/".join(quote(p, safe="") for p in parts),
                   st.sampled_from(["/v1/check/", "/v1/schema/", "/v1/clauses/", "/v1/timeline/", "/", "/v1/"]),
                   st.lists(st.one_of(st.sampled_from(_WORDS), st.text(min_size=1, max_size=6)), max_size=2))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                   HealthCheck.too_slow])
@given(method=st.sampled_from(["GET", "POST", "PUT", "DELETE"]), path=_PATHS, body=_BODIES,
       ctype=st.sampled_from(["application/json", "text/plain", "", "application/problem+json"]))
def test_arbitrary_requests_never_get_a_500(client, method, path, body, ctype):
    """Whatever the method, path, body or content type: no 500, and every error is a problem+json body."""
    headers = {"content-type": ctype} if ctype else {}
    r = client.request(method, path, content=body, headers=headers)
    assert r.status_code < 500, r.text
    assert "Traceback" not in r.text
    if r.status_code >= 400:
        _problem(r, r.status_code)

"""The service's OpenAPI 3.1 document, built from the same schemas `govrules schema` prints.

One path per ruleset (``/v1/check/signing`` …) rather than one templated path, so a client
generator gets a typed method per question. OpenAPI 3.1 schemas are JSON Schema 2020-12, so
the input schemas go in as they are, their ``$defs`` shared under ``components/schemas``.
"""

from __future__ import annotations

import functools
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from . import _catalogue, _packs
from ._rulesets import runner
from ._schema import openapi_components
from ._timeline import NoTimelineError, declared_nodes, timeline_spec

_PROBLEM = {
    "type": "object",
    "description": "RFC 9457 problem details",
    "properties": {
        "type": {"type": "string"}, "title": {"type": "string"}, "status": {"type": "integer"},
        "detail": {"type": "string"},
        "field": {"type": "string", "description": "the field path of the bad input (meeting.leaders[2].present)"},
        "year": {"type": "integer", "description": "the year the calendar has no data for (422)"},
    },
    "required": ["type", "title", "status", "detail"],
}

_FINDING = {
    "type": "object",
    "properties": {k: {"type": "string"} for k in ("rule", "clause", "label", "quote", "message")}
    | {"severity": {"enum": ["violation", "requirement", "warning", "info"]}, "data": {"type": "object"}},
    "required": ["rule", "clause", "label", "quote", "severity", "message", "data"],
}

_DATED = {"type": "object", "properties": {"date": {"type": "string", "format": "date"}, "clause": {"type": "string"}},
          "required": ["date", "clause"]}


def _verdict(name: str) -> dict[str, Any]:
    spec = runner(name).spec
    return {
        "type": "object",
        "title": f"{spec.title} — verdict",
        "properties": {
            "ruleset": {"const": name},
            "outcome": {"enum": [o.id for o in spec.outcomes],
                        "description": "、".join(f"{o.id}（{o.label}）" for o in spec.outcomes)},
            "allowed": {"type": "boolean"},
            "findings": {"type": "array", "items": {"$ref": "#/components/schemas/Finding"}},
            "clauses": {"type": "array", "items": {"type": "string"}},
            "data": {"type": "object"},
            "trace": {"type": "array", "items": {"type": "object"}},
            # Facts not given that would change the verdict (contract §2, three-valued facts).
            "needs": {"type": "array", "items": {"type": "object", "properties": {
                "path": {"type": "string"}, "label": {"type": "string"}, "clause": {"type": "string"},
                "message": {"type": "string"}, "outcome": {"type": "boolean"}}}},
        },
        "required": ["ruleset", "outcome", "allowed", "findings", "clauses", "data", "trace"],
    }


def _problems(*statuses: int) -> dict[str, Any]:
    words = {400: "bad input: detail says what, field names the path", 404: "unknown ruleset or clause",
             413: "body over the server's --max-body", 415: "not JSON",
             422: "no working-day data for that year: detail says how to supply it"}
    return {str(s): {"description": words[s],
                     "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}}
            for s in statuses}


def _ok(ref: str, description: str) -> dict[str, Any]:
    return {"200": {"description": description,
                    "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{ref}"}}}}}


@functools.lru_cache(maxsize=4)
def _document(names: tuple[str, ...], pack: Any = None) -> dict[str, Any]:  # pack: the one in effect, a cache key
    inputs, shared = openapi_components(list(names))
    schemas: dict[str, Any] = dict(shared)
    paths: dict[str, Any] = {}
    for name in names:
        schemas[f"{name}_facts"] = inputs[name]
        schemas[f"{name}_verdict"] = _verdict(name)
        paths[f"/v1/check/{name}"] = {"post": {
            "operationId": f"check_{name}",
            "summary": runner(name).spec.title,
            "parameters": [{"name": "remedies", "in": "query", "required": False,
                            "schema": {"type": "boolean", "default": True},
                            "description": "false leaves data.remedies out (they re-evaluate refused facts)"}],
            "requestBody": {"required": True, "content": {"application/json": {
                "schema": {"$ref": f"#/components/schemas/{name}_facts"}}}},
            "responses": _ok(f"{name}_verdict", "the verdict, whatever its outcome") | _problems(400, 413, 415, 422),
        }}
    schemas["Problem"] = _PROBLEM
    schemas["Finding"] = _FINDING
    # One key per time node the rule files declare (CONTRACT §4's six for the shipped files).
    try:
        timeline_keys: list[str] | None = list(declared_nodes())
    except NoTimelineError:  # a regulation pack that plans no meetings: the route answers 404
        timeline_keys = None
    if timeline_keys is not None:
        schemas["Timeline"] = {"type": "object", "properties": {k: _DATED for k in timeline_keys},
                               "required": timeline_keys}
    schemas["Clause"] = {"type": "object", "properties": {
        "id": {"type": "string"}, "label": {"type": "string"}, "text": {"type": "string"},
        "computable": {"type": "boolean"}, "reason": {"type": ["string", "null"]}},
        "required": ["id", "label", "text", "computable", "reason"]}
    schemas["Ruleset"] = {"type": "object", "properties": {
        "name": {"type": "string"}, "title": {"type": "string"}, "version": {"type": "string"},
        "outcomes": {"type": "array", "items": {"type": "object"}}, "check": {"type": "string"},
        "schema": {"type": "string"}}}
    paths["/v1/rulesets"] = {"get": {"operationId": "rulesets", "summary": "the shipped rulesets", "responses": {
        "200": {"description": "one entry per ruleset", "content": {"application/json": {
            "schema": {"type": "array", "items": {"$ref": "#/components/schemas/Ruleset"}}}}}}}}
    paths["/v1/schema/{ruleset}"] = {"get": {
        "operationId": "schema", "summary": "a ruleset's input as JSON Schema (draft 2020-12)",
        "parameters": [{"name": "ruleset", "in": "path", "required": True, "schema": {"enum": list(names)}}],
        "responses": {"200": {"description": "the schema",
                              "content": {"application/schema+json": {"schema": {"type": "object"}}}}}
        | _problems(404)}}
    paths["/v1/clauses/{id}"] = {"get": {
        "operationId": "clause", "summary": "a clause's label and words (by its id, or by its label as the regulation prints it)",
        "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}],
        "responses": _ok("Clause", "the clause") | _problems(404)}}
    if timeline_keys is not None:
        summary = f"the deadlines around a meeting ({timeline_spec().meeting}) in working days"
        responses = _ok("Timeline", "one date per declared time node") | _problems(400, 422)
    else:
        summary = "none: the rules this service answers with declare no timeline"
        responses = _problems(404)
        responses["404"]["description"] = "no timeline (problem type no-timeline)"
    paths["/v1/timeline/{date}"] = {"get": {
        "operationId": "timeline", "summary": summary,
        "parameters": [{"name": "date", "in": "path", "required": True,
                        "schema": {"type": "string", "format": "date"}}],
        "responses": responses}}
    paths["/healthz"] = {"get": {"operationId": "healthz", "summary": "the server is up",
                                 "responses": {"200": {"description": "ok"}}}}
    try:
        release = version("govrules")
    except PackageNotFoundError:  # pragma: no cover - run from a source tree without install
        release = "0"
    return {
        "openapi": "3.1.0",
        "info": {"title": "govrules", "version": release,
                 "description": f"《{_catalogue.regulation_title()}》 as executable rules: "
                                "verdicts that cite their clauses."},
        "jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
        "paths": paths,
        "components": {"schemas": schemas},
    }


def document(names: list[str]) -> dict[str, Any]:
    """The OpenAPI document for the server serving ``names``."""
    return _document(tuple(names), _packs.active())

"""`govrules serve`: the verdicts over HTTP, for systems not written in Python.

Starlette gives the routing and request handling and uvicorn the server and its worker
processes (the engine holds the GIL, so processes, not threads, use the cores); both are
the optional extra ``govrules[serve]``. Every error is an RFC 9457 ``application/problem+json``
body; no stack trace ever reaches a client.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
from typing import Any, Sequence

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from . import _catalogue
from ._calendar import WorkingCalendar
from ._errors import CalendarError, GovrulesError, InputError
from ._facade import _evaluate
from ._log import DecisionLog
from ._openapi import document
from ._packs import Pack
from ._rulesets import available, runner
from ._schema import schema
from ._suggest import did_you_mean
from ._timeline import NoTimelineError, meeting_timeline

MAX_BODY = 1 << 20
_SETTINGS_ENV = "GOVRULES_SERVE_SETTINGS"
_log = logging.getLogger("govrules.serve")


class Problem(Exception):
    """An RFC 9457 problem: raised anywhere in a handler, answered as application/problem+json."""

    def __init__(self, status: int, kind: str, title: str, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.status, self.kind, self.title, self.detail, self.extra = status, kind, title, detail, extra

    def response(self, headers: dict[str, str] | None = None) -> Response:
        body = {"type": f"urn:govrules:problem:{self.kind}", "title": self.title, "status": self.status,
                "detail": self.detail, **self.extra}
        return JSONResponse(body, status_code=self.status, headers=headers, media_type="application/problem+json")


def _input_problem(exc: InputError) -> Problem:
    return Problem(400, "bad-input", "输入有误（bad input）", str(exc), field=exc.path)


def _calendar_problem(exc: CalendarError) -> Problem:
    return Problem(422, "calendar-data-missing", "缺少该年度工作日数据（no working-day data for that year）",
                   str(exc) + ". A running server takes year files at start: govrules serve --calendar "
                   f"{exc.year}.yaml", year=exc.year)


def _known_ruleset(name: str, names: Sequence[str]) -> str:
    if name not in names:
        hint = did_you_mean(name, names)
        raise Problem(404, "unknown-ruleset", "没有这个规则集（unknown ruleset）",
                      f"no ruleset '{name}'; one of {', '.join(names)}" + (f"; {hint}" if hint else ""),
                      field="ruleset")
    return name


def _flag(text: str, name: str) -> bool:
    value = {"true": True, "1": True, "false": False, "0": False}.get(text.strip().lower())
    if value is None:
        raise _input_problem(InputError(name, "true or false", text))
    return value


# ---- reading a request body -----------------------------------------------------------------


class _Repeated(Exception):
    def __init__(self, key: str) -> None:
        self.key = key


def _no_repeats(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _Repeated(key)  # last-wins would silently drop a fact the caller stated
        out[key] = value
    return out


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _json_type(content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or (media.startswith("application/") and media.endswith("+json"))


async def _facts(request: Request, limit: int) -> Any:
    if not _json_type(request.headers.get("content-type", "")):
        raise Problem(415, "unsupported-media-type", "请求体须为 JSON（unsupported media type）",
                      "send the facts as a JSON object with Content-Type: application/json")
    declared = request.headers.get("content-length")
    too_big = Problem(413, "body-too-large", "请求体过大（content too large）",
                      f"the body is over this server's limit of {limit} bytes (govrules serve --max-body)")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise too_big
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise too_big
        chunks.append(chunk)
    try:
        text = b"".join(chunks).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _input_problem(InputError("body", f"UTF-8 text (byte {exc.start} is not)")) from None
    try:
        return json.loads(text, object_pairs_hook=_no_repeats, parse_constant=_no_constant)
    except _Repeated as exc:
        raise _input_problem(InputError(exc.key, "each key once in an object; this one is given twice")) from None
    except json.JSONDecodeError as exc:
        raise _input_problem(InputError("body", f"valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})")) \
            from None
    except (ValueError, RecursionError) as exc:  # NaN, a 5000-digit number, nesting deeper than the parser goes
        raise _input_problem(InputError("body", f"plain JSON ({type(exc).__name__}: {str(exc)[:200]})")) from None


# ---- the app -----------------------------------------------------------------------------------


def create_app(*, max_body: int = MAX_BODY, log_path: str | None = None,
               calendars: Sequence[str] = (), pack: str | None = None) -> Starlette:
    """The ASGI app; settings errors (an unreadable year file, a log in no directory) raise here, at start.

    ``pack`` is a regulation pack's directory (docs/packs.md): every route answers with it.
    """
    calendar = WorkingCalendar.from_files(*calendars) if calendars else None
    decision_log = _decision_log(log_path)
    found = Pack.load(pack) if pack is not None else None
    in_pack = found.active if found is not None else contextlib.nullcontext
    with in_pack():
        names = tuple(available())  # once: available() reads the directory
        for name in names:  # compile every engine now, so no first request pays for it
            runner(name).engine()
        app = _app(max_body, decision_log, calendar, names, found, in_pack)
    return app


def _app(max_body: int, decision_log: DecisionLog | None, calendar: WorkingCalendar | None,
         names: tuple[str, ...], found: Pack | None, in_pack: Any) -> Starlette:

    async def check(request: Request) -> Response:
        name = _known_ruleset(request.path_params["ruleset"], names)
        remedies = _flag(request.query_params.get("remedies", "true"), "remedies")
        facts = await _facts(request, max_body)
        # Evaluated on the event loop, not in a thread: the engine holds the GIL, so a thread
        # would add a hop and no parallelism; the cores are used by worker processes.
        try:
            verdict = _evaluate(name, facts, calendar=calendar, remedies=remedies, pack=found)
            with in_pack():
                body = verdict.to_dict()
        except InputError as exc:
            raise _input_problem(exc) from None
        except CalendarError as exc:
            raise _calendar_problem(exc) from None
        if decision_log is not None:
            try:
                with in_pack():
                    decision_log.record(runner(name).spec, facts, verdict)
            except InputError as exc:  # the log became unwritable: a server fault, not the caller's
                raise Problem(500, "decision-log", "决策日志写入失败（decision log unwritable）", str(exc)) from None
        return JSONResponse(body)

    async def rulesets(request: Request) -> Response:
        out = []
        for name in names:
            with in_pack():
                spec = runner(name).spec
            out.append({"name": name, "title": spec.title, "version": spec.version,
                        "outcomes": [{"id": o.id, "label": o.label, "allowed": o.allowed} for o in spec.outcomes],
                        "check": f"/v1/check/{name}", "schema": f"/v1/schema/{name}"})
        return JSONResponse(out)

    async def schema_route(request: Request) -> Response:
        with in_pack():
            made = schema(_known_ruleset(request.path_params["ruleset"], names))
        return JSONResponse(made, media_type="application/schema+json")

    async def clause_route(request: Request) -> Response:
        try:
            with in_pack():
                return JSONResponse(_catalogue.clause(request.path_params["id"]).to_dict())
        except InputError as exc:
            raise Problem(404, "unknown-clause", "没有这一条款（unknown clause）", str(exc), field="id") from None

    async def timeline_route(request: Request) -> Response:
        try:
            with in_pack():
                return JSONResponse(meeting_timeline(request.path_params["date"], calendar=calendar).to_dict())
        except InputError as exc:
            raise Problem(400, "bad-input", "输入有误（bad input）", str(exc), field="date") from None
        except CalendarError as exc:
            raise _calendar_problem(exc) from None
        except NoTimelineError:  # a pack that plans no meetings (examples/packs/second-town): not a bug
            raise Problem(404, "no-timeline", "没有会议时间节点（no timeline）",
                          "the rules this service answers with declare no 'timeline', so they set no "
                          "meeting deadlines") from None

    async def healthz(request: Request) -> Response:
        body: dict[str, Any] = {"status": "ok", "rulesets": list(names)}
        if found is not None:
            body["pack"] = found.stamp
        return JSONResponse(body)

    async def openapi(request: Request) -> Response:
        with in_pack():
            return JSONResponse(document(list(names)))

    routes = [
        Route("/v1/check/{ruleset}", check, methods=["POST"]),
        Route("/v1/rulesets", rulesets, methods=["GET"]),
        Route("/v1/schema/{ruleset}", schema_route, methods=["GET"]),
        Route("/v1/clauses/{id}", clause_route, methods=["GET"]),
        Route("/v1/timeline/{date}", timeline_route, methods=["GET"]),
        Route("/healthz", healthz, methods=["GET"]),
        Route("/openapi.json", openapi, methods=["GET"]),
    ]
    return Starlette(routes=routes, exception_handlers={
        Problem: _problem, HTTPException: _http_problem, Exception: _unexpected})


def _decision_log(path: str | None) -> DecisionLog | None:
    if path is None:
        return None
    log = DecisionLog(path)
    # Each worker appends whole lines with one O_APPEND write (see _log.append_line), so
    # several processes share the file without tearing a record.
    if not os.path.isdir(os.path.dirname(os.path.abspath(log.path))) or os.path.isdir(log.path):
        raise InputError("log", "a file in an existing directory", path)
    return log


async def _problem(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, Problem)
    return exc.response()


async def _http_problem(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    titles = {404: "没有这个地址（not found）", 405: "不支持此方法（method not allowed）"}
    problem = Problem(exc.status_code, "http-" + str(exc.status_code), titles.get(exc.status_code, "HTTP error"),
                      f"{request.method} {request.url.path}: {exc.detail}; see /openapi.json")
    return problem.response(headers=dict(exc.headers or {}))


async def _unexpected(request: Request, exc: Exception) -> Response:
    # A bug of ours: logged here with its trace, answered without one.
    if isinstance(exc, GovrulesError):
        detail = f"{type(exc).__name__}: {exc}"
    else:
        detail = "an unexpected error in govrules; the server's log has the details"
    _log.error("unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
    return Problem(500, "internal", "服务内部错误（internal error）", detail).response()


# ---- running it -----------------------------------------------------------------------------


def app_from_env() -> Starlette:
    """uvicorn's factory in each worker process: the settings `govrules serve` put in the environment."""
    settings = json.loads(os.environ.get(_SETTINGS_ENV, "{}"))
    return create_app(**settings)


def run(*, host: str, port: int, workers: int, max_body: int, log_path: str | None,
        calendars: Sequence[str], pack: str | None = None) -> None:
    import uvicorn

    settings = {"max_body": max_body, "log_path": os.path.abspath(log_path) if log_path else None,
                "calendars": [os.path.abspath(c) for c in calendars]}
    if pack is not None:
        settings["pack"] = pack
    # Fail at start, in this process, on a bad year file or log path (workers would only loop).
    if calendars:
        WorkingCalendar.from_files(*settings["calendars"])
    _decision_log(settings["log_path"])
    # Workers are fresh processes: they read the settings from the environment they inherit.
    os.environ[_SETTINGS_ENV] = json.dumps(settings)
    uvicorn.run("govrules._serve:app_from_env", factory=True, host=host, port=port, workers=workers,
                access_log=False, log_level="info")

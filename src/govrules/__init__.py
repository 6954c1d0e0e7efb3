"""govrules: a town government's working rules as executable rules with cited verdicts."""

from ._calendar import WorkingCalendar
from ._catalogue import Clause, clause, clauses
from ._errors import CalendarError, GovrulesError, InputError, RulesetError
from ._facade import (
    check_conference,
    check_meeting,
    check_minutes,
    check_seal,
    check_signing,
    check_submission,
    classify_disclosure,
    decision_scope,
    evaluate,
)
from ._inputs import Person
from ._log import DecisionLogError, configure
from ._model import Finding, Need, TraceStep, Verdict
from ._packs import Pack
from ._schema import schema
from ._timeline import ScheduledMeeting, Timeline, meeting_schedule, meeting_timeline

__all__ = [
    "CalendarError",
    "Clause",
    "DecisionLogError",
    "Finding",
    "GovrulesError",
    "InputError",
    "Need",
    "Pack",
    "Person",
    "RulesetError",
    "ScheduledMeeting",
    "Timeline",
    "TraceStep",
    "Verdict",
    "WorkingCalendar",
    "check_conference",
    "check_meeting",
    "check_minutes",
    "check_seal",
    "check_signing",
    "check_submission",
    "classify_disclosure",
    "clause",
    "clauses",
    "configure",
    "decision_scope",
    "evaluate",
    "meeting_schedule",
    "meeting_timeline",
    "schema",
]

"""govrules: 《颛桥镇人民政府工作规则（暂行）》 as executable rules with cited verdicts."""

from ._calendar import WorkingCalendar
from ._catalogue import Clause, clause, clauses
from ._errors import CalendarError, GovrulesError, InputError, RulesetError
from ._facade import check_conference, evaluate
from ._model import Finding, TraceStep, Verdict

__all__ = [
    "CalendarError",
    "Clause",
    "Finding",
    "GovrulesError",
    "InputError",
    "RulesetError",
    "TraceStep",
    "Verdict",
    "WorkingCalendar",
    "check_conference",
    "clause",
    "clauses",
    "evaluate",
]

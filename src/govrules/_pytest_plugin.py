"""pytest runs rulesets/<name>.cases.yaml: one test per case, named by its sentence."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ._cases import Case, check_case, evaluator_for, load_cases


def pytest_collect_file(parent: Any, file_path: Path) -> Any:
    if file_path.name.endswith(".cases.yaml"):
        return CasesFile.from_parent(parent, path=file_path)
    return None


class CasesFile(pytest.File):
    def collect(self) -> Any:
        evaluate = evaluator_for(self.path)
        for case in load_cases(self.path):
            yield CaseItem.from_parent(self, name=case.name, case=case, evaluate=evaluate)


class CaseFailed(Exception):
    pass


class CaseItem(pytest.Item):
    def __init__(self, *, case: Case, evaluate: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.case = case
        self.evaluate = evaluate

    def runtest(self) -> None:
        _, problems = check_case(self.case, self.evaluate)
        if problems:
            raise CaseFailed(problems)

    def repr_failure(self, excinfo: Any, style: Any = None) -> Any:
        if isinstance(excinfo.value, CaseFailed):
            lines = [f"case: {self.case.name}", f"at {self.case.file}:{self.case.line}"]
            lines += [f"  - {p}" for p in excinfo.value.args[0]]
            return "\n".join(lines)
        return super().repr_failure(excinfo)

    def reportinfo(self) -> Any:
        return self.path, (self.case.line or 1) - 1, f"{self.case.ruleset}: {self.case.name}"

"""A problem found in a package: where it is and what to do about it."""
from __future__ import annotations

from dataclasses import dataclass

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True)
class Problem:
    file: str
    where: str              # "line 7", "feature 3", "" for the whole file
    message: str
    fix: str = ""           # what to do
    severity: str = ERROR

    def __str__(self) -> str:
        place = f"{self.file}" + (f", {self.where}" if self.where else "")
        text = f"{place}: {self.message}"
        if self.fix:
            text += f" — {self.fix}"
        return ("warning: " if self.severity == WARNING else "") + text


class Problems(list):
    def error(self, file: str, where: str, message: str, fix: str = "") -> None:
        self.append(Problem(file, where, message, fix, ERROR))

    def warn(self, file: str, where: str, message: str, fix: str = "") -> None:
        self.append(Problem(file, where, message, fix, WARNING))

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self if p.severity == ERROR]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self if p.severity == WARNING]

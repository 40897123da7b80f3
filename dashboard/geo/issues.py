"""A problem found in a layer: where (file, feature), what, and what to do."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class GeoIssue:
    level: str                  # "error" (the layer is refused) or "warning"
    file: str
    message: str
    fix: str = ""
    feature: str | None = None  # the feature's code or index, when the issue is one feature's

    def __str__(self) -> str:
        where = self.file + (f" [{self.feature}]" if self.feature is not None else "")
        return f"{self.level}: {where}: {self.message}" + (f" — {self.fix}" if self.fix else "")

    def as_dict(self) -> dict:
        return {"level": self.level, "file": self.file, "feature": self.feature, "message": self.message,
                "fix": self.fix}


def error(file: str, message: str, fix: str = "", feature: str | None = None) -> GeoIssue:
    return GeoIssue("error", file, message, fix, feature)


def warning(file: str, message: str, fix: str = "", feature: str | None = None) -> GeoIssue:
    return GeoIssue("warning", file, message, fix, feature)

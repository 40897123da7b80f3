"""Errors every connector raises. Parsers raise ParseError only; the IO shell adds the others."""
from __future__ import annotations


class ConnectorError(Exception):
    """Something about a source is wrong: it answered with an error, or with something unusable."""


class ParseError(ConnectorError):
    """A payload (or one item of it) is not what the protocol says. `where` locates the problem,
    e.g. "requests[3].lat"; the message reads "requests[3].lat: not a number"."""

    def __init__(self, message: str, where: str = "") -> None:
        self.where = where
        self.problem = message
        super().__init__(f"{where}: {message}" if where else message)


class SourceUnavailable(ConnectorError):
    """The source could not be reached or failed on its side (timeout, refused, HTTP 5xx/429).
    Worth retrying later."""

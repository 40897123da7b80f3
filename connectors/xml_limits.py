"""How much XML a parser may hold (issue 17): every XML input is bounded in bytes, in elements and
in depth before a tree is built, so memory follows the limits, not the document (a 10 MB document
of a million empty elements would otherwise take some 400 MB as a tree). The limits are generous for
what the sources really send: a CAP alert, an Atom index, an Open311 list of 1000 requests."""
from __future__ import annotations

from dataclasses import dataclass

from .errors import ParseError

MAX_BYTES = 20_000_000        # a whole-document parse (streamed DATEX II has its own size setting)
MAX_ELEMENTS = 200_000        # an Open311 list of 1000 requests has about 25,000
MAX_DEPTH = 100               # nothing we read nests more than about 12 deep


@dataclass
class ElementBudget:
    """Counts elements and depth as a scanner reports them; ParseError past a limit."""
    what: str = "payload"
    max_elements: int = MAX_ELEMENTS
    max_depth: int = MAX_DEPTH
    elements: int = 0
    depth: int = 0

    def start(self, *_args) -> None:
        self.elements += 1
        self.depth += 1
        if self.elements > self.max_elements:
            raise ParseError(f"refused: more than {self.max_elements:,} elements (the limit)", self.what)
        if self.depth > self.max_depth:
            raise ParseError(f"refused: elements nested deeper than {self.max_depth} (the limit)", self.what)

    def end(self, *_args) -> None:
        self.depth -= 1

    def watch(self, scanner) -> None:
        """Attach to an expat scanner (its element handlers)."""
        scanner.StartElementHandler = self.start
        scanner.EndElementHandler = self.end


def check_size(data: bytes, what: str, max_bytes: int = MAX_BYTES) -> None:
    if len(data) > max_bytes:
        raise ParseError(f"refused: {len(data) / 1e6:.1f} MB is larger than the {max_bytes / 1e6:g} MB limit", what)

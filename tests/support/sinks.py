"""An ingest sink that keeps everything in memory: what a connector's run loop wrote, for tests that
look at the connector alone (the real IngestService is tested against the store elsewhere)."""
from __future__ import annotations


class MemorySink:
    def __init__(self) -> None:
        self.events, self.dead, self.checkpoints = [], [], {}

    def ingest(self, connector, events):
        self.events.extend(events)
        return events

    def dead_letter(self, connector, raw, reason):
        self.dead.append(reason)

    def load_checkpoint(self, connector):
        return self.checkpoints.get(connector)

    def save_checkpoint(self, connector, value):
        self.checkpoints[connector] = value

    def report_health(self, *args, **kwargs):
        pass

"""What a page tells the header's live connection after loading its snapshot."""
from __future__ import annotations

import secrets

from dashboard.push.positions import START


def live_config(settings, bus_last_id: str | None, page: str) -> dict:
    """{base, port, after, epoch, page}: the browser builds ws://<its host>:<port>/?after=… unless a
    public URL is configured. `epoch` is new for every snapshot so the socket always reconnects."""
    return {"base": settings.push_public_url or "", "port": settings.effective_push_port,
            "after": bus_last_id or START, "epoch": secrets.token_hex(4), "page": page}

"""Who may read /metrics (the web's and the push relay's): a scraper sending the `metrics_token`
setting as a bearer token, or one on a network of the `metrics_networks` setting (loopback by
default). Everyone else gets 404, as if there were nothing there."""
from __future__ import annotations

import hmac

from .proxies import address_in, networks


def checker(settings):
    nets = networks(settings.metrics_networks)
    token = settings.metrics_token

    def allowed(peer: str | None, authorization: str | None) -> bool:
        given = (authorization or "").strip()
        if token and given.lower().startswith("bearer ") and hmac.compare_digest(given[7:].strip(), token):
            return True
        return address_in(peer, nets)
    return allowed

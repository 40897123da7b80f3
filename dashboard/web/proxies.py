"""Who the client is, behind the load balancers the city runs: X-Forwarded-For and -Proto are believed
only from the addresses in the `trusted_proxies` setting. The client is the right-most address of
X-Forwarded-For that is not a trusted proxy (the left part of the header is whatever the client
wrote). A WSGI middleware, so `request.remote_addr` and `request.is_secure` are right everywhere."""
from __future__ import annotations

import ipaddress
from typing import Iterable

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def networks(setting: str) -> tuple[Network, ...]:
    """'10.0.0.0/8, 192.168.1.5' → networks; a bad entry fails at start, saying which."""
    out = []
    for item in (setting or "").split(","):
        item = item.strip()
        if not item:
            continue
        try:
            out.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise ValueError(f"{item!r} is not an address or network (CIDR)") from None
    return tuple(out)


def address_in(address: str | None, nets: Iterable[Network]) -> bool:
    try:
        ip = ipaddress.ip_address((address or "").strip().strip("[]"))
    except ValueError:
        return False
    if getattr(ip, "ipv4_mapped", None):
        ip = ip.ipv4_mapped
    return any(ip in net for net in nets)


def client_address(peer: str | None, forwarded_for: str | None, trusted: tuple[Network, ...]) -> str | None:
    if not trusted or not forwarded_for or not address_in(peer, trusted):
        return peer
    hops = [h.strip() for h in forwarded_for.split(",") if h.strip()]
    for hop in reversed(hops):
        if not address_in(hop, trusted):
            try:
                return str(ipaddress.ip_address(hop.strip("[]")))
            except ValueError:
                return peer   # not an address: believe nothing of it
    return hops[0] if hops else peer


class TrustedProxies:
    def __init__(self, app, trusted: tuple[Network, ...]) -> None:
        self.app = app
        self.trusted = trusted

    def __call__(self, environ, start_response):
        peer = environ.get("REMOTE_ADDR")
        if self.trusted and address_in(peer, self.trusted):
            environ["REMOTE_ADDR"] = client_address(peer, environ.get("HTTP_X_FORWARDED_FOR"), self.trusted)
            proto = (environ.get("HTTP_X_FORWARDED_PROTO") or "").split(",")[-1].strip().lower()
            if proto in ("http", "https"):
                environ["wsgi.url_scheme"] = proto
        return self.app(environ, start_response)

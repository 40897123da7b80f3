"""Requests CityOps makes to addresses an admin typed in (webhooks): never to this host, its private
networks or the cloud's metadata address — unless the `webhook_allowed_hosts` setting names them —
so that a webhook cannot scan or reach the inside. Checked when the webhook is registered and again at
every delivery after resolving the name; the delivery then connects to the address that was checked
(a name that resolves elsewhere a moment later cannot slip through)."""
from __future__ import annotations

import ipaddress
import socket
from concurrent.futures import ThreadPoolExecutor, TimeoutError as FutureTimeout
from urllib.parse import urlsplit

import certifi
import urllib3

from dashboard.web.proxies import networks

RESOLVE_TIMEOUT = 3.0


class Refused(ValueError):
    """The address is internal and not allowed; the message says which and how to allow it."""


def _internal(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if getattr(ip, "ipv4_mapped", None):
        ip = ip.ipv4_mapped
    return (ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_reserved or ip.is_multicast
            or ip.is_unspecified or (ip.version == 6 and ip.is_site_local))


class Policy:
    def __init__(self, allowed_hosts: str) -> None:
        names, nets = [], []
        for item in (allowed_hosts or "").split(","):
            item = item.strip().lower()
            if not item:
                continue
            try:
                nets.extend(networks(item))
            except ValueError:
                names.append(item.rstrip("."))
        self.names, self.nets = frozenset(names), tuple(nets)

    def _ip_ok(self, host: str, ip) -> bool:
        return not _internal(ip) or host in self.names or any(ip in net for net in self.nets)

    def resolve(self, host: str, port: int) -> list[str]:
        with ThreadPoolExecutor(1) as pool:   # getaddrinfo has no timeout of its own
            future = pool.submit(socket.getaddrinfo, host, port, 0, socket.SOCK_STREAM)
            try:
                infos = future.result(RESOLVE_TIMEOUT)
            except FutureTimeout:
                raise OSError(f"resolving {host} took longer than {RESOLVE_TIMEOUT:.0f} s") from None
        return list(dict.fromkeys(info[4][0] for info in infos))

    def check(self, url: str, resolve: bool = True) -> list[str]:
        """The addresses the URL may be sent to; Refused when any is internal and not allowed.
        An unresolvable name is let through at registration (resolve=False on error) and checked at delivery."""
        parts = urlsplit(url)
        host = (parts.hostname or "").lower().rstrip(".")
        if not host:
            raise Refused("the URL has no host")
        port = parts.port or (443 if parts.scheme == "https" else 80)
        try:
            literal = ipaddress.ip_address(host)
        except ValueError:
            literal = None
        if literal is not None:
            addresses = [str(literal)]
        elif host == "localhost" or host.endswith(".localhost"):
            addresses = ["127.0.0.1"]
        else:
            try:
                addresses = self.resolve(host, port)
            except OSError:
                if resolve:
                    raise
                return []
        for address in addresses:
            if not self._ip_ok(host, ipaddress.ip_address(address.split("%")[0])):
                raise Refused(f"{host} is (or resolves to) the internal address {address}; webhooks may not reach "
                              f"this host or its private networks unless the webhook_allowed_hosts setting names it")
        return addresses


def post(url: str, address: str, body: bytes, headers: dict[str, str], timeout: tuple[float, float]) -> int:
    """POST to `url`, connecting to `address` (already checked) — TLS still verified for the URL's host.
    Returns the status code; raises urllib3's errors."""
    parts = urlsplit(url)
    https = parts.scheme == "https"
    port = parts.port or (443 if https else 80)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    host_header = parts.netloc.rsplit("@", 1)[-1]
    limits = urllib3.Timeout(connect=timeout[0], read=timeout[1])
    if https:
        pool = urllib3.HTTPSConnectionPool(address, port, timeout=limits, retries=False, cert_reqs="CERT_REQUIRED",
                                           ca_certs=certifi.where(), server_hostname=parts.hostname,
                                           assert_hostname=parts.hostname)
    else:
        pool = urllib3.HTTPConnectionPool(address, port, timeout=limits, retries=False)
    with pool:
        response = pool.urlopen("POST", path, body=body, headers={**headers, "Host": host_header}, redirect=False,
                                retries=False, preload_content=False)
        status = response.status
        response.release_conn()
    return status

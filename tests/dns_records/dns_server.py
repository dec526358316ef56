"""A small authoritative DNS server on 127.0.0.1 for the tests (UDP, answers from a dict)."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import dns.message
import dns.name
import dns.rcode
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import dns.rrset

Zone = dict[tuple[str, str], list[str]]  # (name, type) -> rdata texts as in a zone file


def _answer(zone: Zone, wire: bytes) -> bytes:
    query = dns.message.from_wire(wire)
    response = dns.message.make_response(query)
    question = query.question[0]
    name = question.name.to_text().rstrip(".").lower()
    rdtype = dns.rdatatype.to_text(question.rdtype)
    values = zone.get((name, rdtype))
    if values:
        rrset = dns.rrset.from_text_list(question.name, 60, dns.rdataclass.IN, rdtype, values)
        response.answer.append(rrset)
    elif not any(key[0] == name for key in zone):
        response.set_rcode(dns.rcode.NXDOMAIN)
    return response.to_wire()


@contextmanager
def dns_server(zone: Zone) -> Iterator[str]:
    """Serve ``zone`` until the block ends; yields "127.0.0.1:PORT"."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.settimeout(0.2)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                wire, peer = sock.recvfrom(4096)
            except TimeoutError:
                continue
            except OSError:
                return
            try:
                sock.sendto(_answer(zone, wire), peer)
            except Exception:  # a malformed query gets no answer, like a real server's drop
                continue

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"127.0.0.1:{sock.getsockname()[1]}"
    finally:
        stop.set()
        thread.join(timeout=2)
        sock.close()

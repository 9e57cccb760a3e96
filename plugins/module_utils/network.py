# -*- coding: utf-8 -*-
# Copyright: (c) 2026, datastack platform engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Why a request never got an answer, in a few words a person understands.

Shared by the wire clients (JupyterHub, Vault) and the Kubernetes destination. The words come from
the operating system's or the TLS library's own text when it holds a known cause, else from the class
of the exception (matched with ``isinstance``, never by its name).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

try:
    import requests
except ImportError:
    requests = None

TLS_PROTOCOL_MARKERS = ("wrong version number", "record layer failure", "unknown protocol",
                        "packet length too long", "http request")
TLS_VERIFY_MARKERS = ("certificate verify failed", "hostname mismatch", "self-signed certificate",
                      "self signed certificate", "unable to get local issuer")
MARKERS = ("connection refused", "name or service not known", "no route to host",
           "temporary failure in name resolution", "connection reset by peer", "network is unreachable",
           "remote end closed connection", "connection aborted") + TLS_PROTOCOL_MARKERS + TLS_VERIFY_MARKERS


def _by_class(exc):
    if requests is not None:
        exceptions = requests.exceptions
        for cls, words in ((exceptions.ConnectTimeout, "the connection timed out"),
                           (exceptions.ReadTimeout, "no answer within the timeout"),
                           (exceptions.SSLError, "the TLS handshake failed"),
                           (exceptions.ProxyError, "the HTTP proxy failed"),
                           (exceptions.ConnectionError, "the connection failed")):
            if isinstance(exc, cls):
                return words
    if isinstance(exc, OSError):
        return "the connection failed"
    return "the request failed"


def reason(exc):
    """A known cause found in ``exc``'s text (e.g. ``connection refused``), else what its class says."""
    text = str(exc).lower()
    for marker in MARKERS:
        if marker in text:
            return marker
    return _by_class(exc)

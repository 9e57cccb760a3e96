"""Why a request got no answer, in words: known causes from the text, else from the exception's class."""

import pytest
import requests

from ansible_collections.datastack.jupyterhub.plugins.module_utils import network


@pytest.mark.parametrize("exc, words", [
    (requests.exceptions.ConnectionError("HTTPConnectionPool: [Errno 111] Connection refused"), "connection refused"),
    (requests.exceptions.SSLError("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed"),
     "certificate verify failed"),
    (requests.exceptions.SSLError("[SSL] record layer failure (_ssl.c:1000)"), "record layer failure"),
    (requests.exceptions.ConnectTimeout("pool timed out"), "the connection timed out"),
    (requests.exceptions.ReadTimeout("read timed out"), "no answer within the timeout"),
    (requests.exceptions.SSLError("odd"), "the TLS handshake failed"),
    (requests.exceptions.ConnectionError("odd"), "the connection failed"),
    (OSError("odd"), "the connection failed"),
    (RuntimeError("odd"), "the request failed"),
])
def test_reason(exc, words):
    assert network.reason(exc) == words

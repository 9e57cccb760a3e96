"""An HTTP proxy in front of a real server (OpenBao, JupyterHub) that lets a test act between requests.

The server stays real: the proxy forwards every request unchanged. ``before(request)`` runs just before a
request is forwarded (it may block: the client then waits, which forces an ordering between two runs), and
``after(request, answer)`` once the server answered, before the client gets the answer. Every exchange is
kept in ``exchanges``, in the order the answers came back.
"""

import http.server
import json
import threading
from collections import namedtuple

import requests

# ``body`` is the raw request body; ``json()`` parses it (None when it is not JSON).
Request = namedtuple("Request", "method path body headers")
Answer = namedtuple("Answer", "status body content_type")
Exchange = namedtuple("Exchange", "request answer")


def parsed(raw):
    try:
        return json.loads(raw or b"null")
    except ValueError:
        return None


class InterposingProxy:
    """Forwards to ``upstream`` (scheme://host:port); the client is pointed at ``addr`` instead."""

    def __init__(self, upstream, before=None, after=None):
        proxy = self
        self.upstream = upstream.rstrip("/")
        self.before = before or (lambda request: None)
        self.after = after or (lambda request, answer: None)
        self.exchanges = []
        self.errors = []
        self.lock = threading.Lock()

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_any(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "content-length")}
                request = Request(self.command, self.path, body, headers)
                try:
                    answer = proxy.forward(request)
                except Exception as exc:  # a hook's assertion, or the server gone: the client sees a 502
                    with proxy.lock:
                        proxy.errors.append("%s %s: %r" % (request.method, request.path, exc))
                    answer = Answer(502, b"", "text/plain")
                self.send_response(answer.status)
                self.send_header("Content-Type", answer.content_type)
                self.send_header("Content-Length", str(len(answer.body)))
                self.end_headers()
                self.wfile.write(answer.body)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_LIST = do_any

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.addr = "http://127.0.0.1:%d" % self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def forward(self, request):
        self.before(request)
        upstream = requests.request(request.method, self.upstream + request.path, data=request.body,
                                    headers=request.headers, timeout=60)
        answer = Answer(upstream.status_code, upstream.content,
                        upstream.headers.get("Content-Type", "application/json"))
        self.after(request, answer)
        with self.lock:
            self.exchanges.append(Exchange(request, answer))
        return answer

    def close(self):
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

"""A fake Vault HTTP session for unit tests of the code that runs in the hub and in notebooks (the wire is
tested against a real OpenBao in tests/integration).

``FakeVault`` stands in for ``requests.Session`` (patch the class: calling the instance returns it). It records
every request and answers from ``script`` first (an ``Answer``, or an exception to raise), then from
``answer(call)``, which a test's subclass overrides.
"""

import json as jsonlib
from types import SimpleNamespace


class Answer:
    """A ``requests.Response`` as far as the runtime code reads one."""

    def __init__(self, status, body=None):
        self.status_code = status
        self.body = body
        self.text = jsonlib.dumps(body) if body is not None else ""
        self.content = self.text.encode()
        self.reason = "reason %d" % status

    def json(self):
        if self.body is None:
            raise ValueError("no body")
        return self.body


class FakeVault:
    def __init__(self, script=None):
        self.calls = []
        self.script = list(script or [])

    def __call__(self):
        return self

    def request(self, method, url, json=None, headers=None, timeout=None, verify=None):
        call = SimpleNamespace(method=method, url=url, path=url.split("/v1/", 1)[-1], json=json, headers=headers,
                               verify=verify)
        self.calls.append(call)
        if self.script:
            step = self.script.pop(0)
            if isinstance(step, Exception):
                raise step
            return step
        return self.answer(call)

    def answer(self, call):
        return Answer(204)

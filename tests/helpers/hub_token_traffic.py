"""What runs of ``jupyterhub_token`` send to a real hub, seen and ordered through an InterposingProxy.

``OverlappingRuns`` makes two runs really overlap: run B creates no managed token before run A asks to create
one (else B could finish before A starts and A would only find B's tokens), and run A's first request to
create a managed token waits until run B has created its own token for the same user, so both runs make a
token for at least that user.
``RevocationCheck`` looks, at the moment the revocation of the old token reaches the proxy and before it is
forwarded, at the token that replaces it: made, stored where the test says, and working for the user.
"""

import re
import threading
from urllib.parse import unquote

from tests.helpers.interposing_proxy import InterposingProxy, parsed

TOKENS = re.compile(r"^/hub/api/users/(?P<user>[^/?]+)/tokens(?:/(?P<id>[^/?]+))?/?(?:\?.*)?$")


def token_request(request):
    """(user, token id or None) when ``request`` is about a user's tokens, else None."""
    found = TOKENS.match(request.path)
    if not found:
        return None
    return unquote(found.group("user")), found.group("id") and unquote(found.group("id"))


def made_token(request, answer, note):
    """(user, token model with its secret) when ``answer`` is a token made with ``note``, else None."""
    target = token_request(request)
    body = parsed(request.body) or {}
    if request.method != "POST" or not target or target[1] or body.get("note") != note or answer.status != 201:
        return None
    return target[0], parsed(answer.body)


class OverlappingRuns:
    """Two proxies in front of ``hub``, one per run (``api_url("A")``, ``api_url("B")``)."""

    def __init__(self, hub, note, wait=90):
        self.note = note
        self.wait = wait
        self.created = {"A": {}, "B": {}}  # user -> id of each token a run made with the note
        self.held = None  # the user whose first token run A waited to create
        self.timed_out = False
        self.lock = threading.Lock()
        self.made_by_b = {}
        self.a_asked = threading.Event()  # run A sent its first request to create a managed token
        self.proxies = dict((name, InterposingProxy(hub.url, before=self.before(name), after=self.after(name)))
                            for name in ("A", "B"))

    def api_url(self, name):
        return self.proxies[name].addr + "/hub/api"

    def b_made(self, user):
        with self.lock:
            return self.made_by_b.setdefault(user, threading.Event())

    def before(self, name):
        def hold_first_creations(request):
            target = token_request(request)
            if request.method != "POST" or not target or target[1]:
                return
            if (parsed(request.body) or {}).get("note") != self.note:
                return  # a check token of the module, not a managed one
            if name == "B":
                if not self.a_asked.wait(self.wait):
                    self.timed_out = True
                return
            self.a_asked.set()
            with self.lock:
                if self.held is not None:
                    return
                self.held = target[0]
            if not self.b_made(target[0]).wait(self.wait):
                self.timed_out = True
        return hold_first_creations

    def after(self, name):
        def record(request, answer):
            made = made_token(request, answer, self.note)
            if made:
                with self.lock:
                    self.created[name][made[0]] = made[1]["id"]
                if name == "B":
                    self.b_made(made[0]).set()
        return record

    def both_made(self):
        """Users for whom both runs made a token."""
        return set(self.created["A"]) & set(self.created["B"])

    def errors(self):
        return [error for proxy in self.proxies.values() for error in proxy.errors]

    def close(self):
        for proxy in self.proxies.values():
            proxy.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()


class RevocationCheck:
    """One proxy in front of ``hub`` (``api_url``). When the request revoking ``old_id`` of ``user`` arrives,
    ``seen`` gets what the replacing token looked like then: the tokens made with ``note`` so far, the id the
    stored secret (``stored()``, else the last token made) authenticates as, and for which user."""

    def __init__(self, hub, user, old_id, note, stored=None):
        self.hub, self.user, self.old_id, self.note, self.stored = hub, user, old_id, note, stored
        self.seen = []
        self.proxy = InterposingProxy(hub.url, before=self.before)
        self.api_url = self.proxy.addr + "/hub/api"

    def before(self, request):
        if request.method == "DELETE" and token_request(request) == (self.user, self.old_id):
            self.seen.append(self.look())

    def look(self):
        made = [found[1] for found in (made_token(e.request, e.answer, self.note) for e in list(self.proxy.exchanges))
                if found and found[0] == self.user]
        secret = self.stored() if self.stored else (made[-1]["token"] if made else None)
        owner = self.hub.whoami(secret) if secret else None
        return dict(made=[model["id"] for model in made], name=owner and owner.get("name"),
                    token_id=owner and owner.get("token_id"))

    def close(self):
        self.proxy.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

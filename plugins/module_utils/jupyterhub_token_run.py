# -*- coding: utf-8 -*-
# Copyright: (c) 2026, datastack platform engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""How ``jupyterhub_token`` carries out its plan for a batch: a few requests in flight, a destination
written with compare-and-set, and an agreement between runs that happen at the same time.

The decisions are the planner's (``jupyterhub_token_plan``); this file does the requests, in order.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import threading
from collections import namedtuple
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone

from ansible_collections.datastack.jupyterhub.plugins.module_utils import jupyterhub_token_plan as plan
from ansible_collections.datastack.jupyterhub.plugins.module_utils import token_destinations
from ansible_collections.datastack.jupyterhub.plugins.module_utils.jupyterhub_client import POOL_SIZE, JupyterHubError

CONFLICT_ATTEMPTS = 3
# A user not reached because the run stopped (the hub down or stalled).
NOT_STARTED = object()

# One user's outcome. ``result`` is the user's entry of the module's ``results`` (None when ``error``
# is set, NOT_STARTED when the run stopped before the user); ``before`` and ``after`` are the metadata
# of the user's managed tokens, for the diff.
Outcome = namedtuple("Outcome", "user result error before after")


def unfinished(user, result=None, error=None):
    return Outcome(user, result, error, [], [])


def utc_now():
    """Now as the naive UTC datetime the planner compares the hub's timestamps with."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


class UserFailure(Exception):
    """One user could not be done; the batch goes on."""


def token_number(token_id):
    return plan.age_order({"id": token_id})[0]


class ScopeExpansion(object):
    """The scopes the hub gives a token made with the requested scopes, learnt from tokens it creates.

    A check token (probe) is made for the first user and its answer renamed for the others; a user
    whose token does not match gets a check token of his own (his roles may differ).
    """

    def __init__(self, hub, spec):
        self.hub = hub
        self.spec = spec
        self.exact = {}
        self.sample = None
        self.made = set()
        self.lock = threading.Lock()

    def learn(self, user, model):
        scopes = frozenset(model.get("scopes") or ())
        self.exact[user] = scopes
        if self.sample is None:
            self.sample = (user, scopes)

    def probe(self, user, keep=False):
        """Make a check token for ``user`` and learn from it; revoke it unless ``keep``."""
        made = self.hub.create_token(user, plan.probe_note(self.spec.note), self.spec.scopes, plan.PROBE_LIFETIME)
        self.made.add(token_number(made["id"]))
        self.learn(user, made)
        if not keep:
            self.hub.delete_token(user, made["id"])
        return made

    def expected(self, user, exact=False):
        """(scopes, whether they were computed for this very user)."""
        if user in self.exact:
            return self.exact[user], True
        if not exact and self.sample is not None:
            return plan.rename_scopes(self.sample[1], self.sample[0], user), False
        with self.lock:  # one check token at a time; the others reuse its answer
            if user not in self.exact and (exact or self.sample is None):
                self.probe(user)
        return self.expected(user, exact)


class TokenRun(object):
    """One module run: ``run(users)`` returns an Outcome per user, in order."""

    def __init__(self, hub, spec, destination, check=False, create_user=True, mask=None):
        self.hub = hub
        self.spec = spec
        self.destination = destination
        self.check = check
        self.create_user = create_user
        self.mask = mask or (lambda secret: None)
        self.scopes = ScopeExpansion(hub, spec)
        self.created = {}
        self.stopped = None
        self.marker = None
        self.renamed = []

    def each(self, call, items):
        """[(item, result, error)] for ``call`` on each item, a few in flight.

        After an error that the next request would repeat (hub down, stalled, token rejected) no
        further item is started: those get NOT_STARTED as result.
        """
        def guarded(item):
            if self.stopped is not None:
                return item, NOT_STARTED, None
            try:
                return item, call(item), None
            except (JupyterHubError, UserFailure, token_destinations.DestinationError) as error:
                if isinstance(error, JupyterHubError) and error.fatal and self.stopped is None:
                    self.stopped = error
                return item, None, error

        if len(items) < 2:
            return [guarded(item) for item in items]
        with ThreadPoolExecutor(max_workers=POOL_SIZE) as pool:
            return list(pool.map(guarded, items))

    # -- the batch ---------------------------------------------------------------------------

    def run(self, users):
        try:
            made = self.create_users(users)
        except JupyterHubError as error:
            return [unfinished(user, error=error) for user in users]
        try:
            self.start_marker(users)
            listing = self.each(self.hub.list_tokens, users)
            if self.stopped is not None:
                return [unfinished(user, NOT_STARTED if error is None else None, error)
                        for user, dummy, error in listing]
            listed = dict((user, (tokens, error)) for user, tokens, error in listing)
            return self.agree(self.outcomes(self.each(lambda user: self.one(user, listed[user], made), users)))
        finally:
            self.end_marker()

    @staticmethod
    def outcomes(done):
        """Outcomes from ``each()`` over calls that return an Outcome."""
        return [unfinished(user, error=error) if error is not None else
                unfinished(user, NOT_STARTED) if value is NOT_STARTED else value for user, value, error in done]

    def create_users(self, users):
        """Create the missing users in one call (the hub skips those that exist); return the ones it created."""
        if self.check or self.spec.state == "absent" or not self.create_user:
            return []
        made = self.hub.create_users(users)
        self.renamed = sorted(set(made) - set(users))
        return made

    def one(self, user, listed, made):
        tokens, error = listed
        if error is not None:
            raise error
        missing = tokens is None and self.spec.state != "absent"
        if missing:
            if not self.create_user:
                raise UserFailure("user %s does not exist: create it first or set create_user=true" % user)
            if not self.check:
                raise UserFailure(self.missing_after_creation(user))
            tokens = []  # check mode: the user would be created
        return self.handle(user, tokens, user in made or missing)

    def missing_after_creation(self, user):
        if self.renamed:
            return ("user %s was not created as such: the hub created %s instead, so its authenticator renames users "
                    "(username_map or its own normalize_username); give the names as the hub stores them"
                    % (user, ", ".join(self.renamed)))
        return "user %s does not exist even though it was just created (removed meanwhile?)" % user

    # -- runs at the same time, without a destination -----------------------------------------

    def start_marker(self, users):
        """Keep a check token of the first user for the whole run: the hub numbers tokens in order, so any
        token numbered between it and ours that is not ours was made by someone else during the run."""
        if self.check or self.spec.state == "absent" or self.destination is not None or self.spec.token_id:
            return
        try:
            self.marker = (users[0], self.scopes.probe(users[0], keep=True)["id"])
        except JupyterHubError as error:
            if error.fatal:
                raise
            self.marker = None  # without a marker every created token is checked against the others

    def end_marker(self):
        if self.marker is not None:
            try:
                self.hub.delete_token(*self.marker)
            except JupyterHubError:
                pass  # it expires within minutes, and the next run revokes it

    def others_made_tokens(self, created_ids):
        ours = self.scopes.made | set(token_number(token_id) for token_id in created_ids)
        first = token_number(self.marker[1])
        return any(number not in ours for number in range(first + 1, max(ours) + 1))

    def agree(self, outcome):
        """Without a destination, two runs may each have made a token for a user: all of them keep the same
        one. Only needed when tokens were made by someone else while this run made its own."""
        made = dict((done.user, done) for done in outcome
                    if isinstance(done.result, dict) and done.user in self.created)
        if self.destination is not None or self.check or self.spec.token_id or not made:
            return outcome
        if self.marker is not None and not self.others_made_tokens([d.result["token_id"] for d in made.values()]):
            return outcome
        self.made_outcomes = made
        settled = dict((o.user, o) for o in self.outcomes(self.each(self.settle, list(made))))
        return [settled.get(done.user, done) for done in outcome]

    def settle(self, user):
        done = self.made_outcomes[user]
        result = done.result
        fresh = self.hub.list_tokens(user) or []
        seen = plan.Seen(fresh, None, False, self.scopes.expected(user)[0], utc_now())
        winner, revoke = plan.settle(self.spec, seen, {"id": result["token_id"]})
        if winner == result["token_id"] and winner in [t["id"] for t in fresh]:
            for token in revoke:
                self.hub.delete_token(user, token["id"])
            result["revoked"] = result["revoked"] + [t["id"] for t in revoke]
            return done
        del self.created[user]
        self.hub.delete_token(user, result["token_id"])
        raise UserFailure("another run made a token for %s at the same time, and its token (%s) is kept; that run "
                          "returned it (use a destination so that every run finds the stored token)" % (user, winner))

    # -- one user ------------------------------------------------------------------------------

    def stored_token(self, user):
        """(Stored, id of the stored token if it authenticates as ``user``)."""
        if self.destination is None:
            return token_destinations.Stored(None, None), None
        stored = self.destination.read(user)
        if stored.secret is None:
            return stored, None
        self.mask(stored.secret)
        owner = self.hub.whoami(token=stored.secret)
        if owner and owner.get("kind") == "user" and owner.get("name") == user:
            return stored, owner.get("token_id")
        return stored, None

    def decide(self, spec, user, seen):
        """The planner's Decision; the hub's scope expansion is learnt only when a token may be kept."""
        if not plan.candidates(spec, seen):
            return plan.decide(spec, seen)
        expected, exact = self.scopes.expected(user)
        decision = plan.decide(spec, seen._replace(expected=expected))
        if decision.create and not exact:
            # The user may hold other roles than the user the expansion was learnt from: ask for his own.
            decision = plan.decide(spec, seen._replace(expected=self.scopes.expected(user, exact=True)[0]))
        return decision

    def handle(self, user, tokens, user_created):
        """The result for one user: decide, create and store, then revoke."""
        spec = self.spec
        before = [plan.metadata(t) for t in plan.managed(tokens, spec)]
        for attempt in range(CONFLICT_ATTEMPTS):
            now = utc_now()
            stored, stored_id = self.stored_token(user)
            if attempt or stored_id is not None and stored_id not in [t["id"] for t in tokens or []]:
                # Someone made tokens since the listing (the stored one, at least): look again.
                tokens = self.hub.list_tokens(user) or []
            decision = self.decide(spec, user, plan.Seen(tokens, stored_id, stored.secret is not None, None, now))
            keep, revoke = decision.keep, self.not_ours(decision.revoke)
            if decision.create:
                keep = self.create(spec, user, stored, now)
                if keep is None:
                    # Another run stored its token first (which also does a rotation), or ours was revoked.
                    spec = spec._replace(state="present")
                    continue
                if self.destination is not None and not self.check:
                    # The compare-and-set write settled any race: runs that lost revoke their own tokens.
                    settled = plan.settle(spec, plan.Seen(tokens, None, False, None, now), keep)
                    revoke = self.not_ours(settled[1] + plan.probes(tokens, spec))
            elif self.moved_on(user, stored, keep, revoke):
                continue
            if spec.state == "absent" and stored.secret is not None and not self.check \
                    and (stored_id is None or stored_id in [t["id"] for t in revoke]):
                self.destination.remove(user)
            if not self.check:
                for token in revoke:
                    self.hub.delete_token(user, token["id"])
            return self.result(user, user_created, decision.action, keep, revoke, before)
        raise UserFailure("other runs kept replacing the stored token of %s; run again when they are done" % user)

    def not_ours(self, tokens):
        """``tokens`` without this run's own check tokens (its marker is one)."""
        return [t for t in tokens if token_number(t["id"]) not in self.scopes.made]

    def result(self, user, user_created, action, keep, revoke, before):
        out = dict(user=user, user_created=user_created, action=action, revoked=[t["id"] for t in revoke],
                   token_id=None, expires_at=None)
        if keep:
            out.update(token_id=keep.get("id"), expires_at=keep.get("expires_at"))
            if self.destination is not None:
                out["stored_at"] = self.destination.where(user)
        return Outcome(user, out, None, before, [plan.metadata(keep)] if keep else [])

    def moved_on(self, user, stored, keep, revoke):
        """Whether the destination changed since it was read, while tokens younger than the kept one are to be
        revoked: they may be another run's, just stored. Then decide again rather than revoke them."""
        if self.destination is None or keep is None or not plan.younger(revoke, keep):
            return False
        return self.destination.read(user).version != stored.version

    def create(self, spec, user, stored, now):
        """The new token's model, stored when there is a destination.

        None when another run stored its token first (ours is revoked), or revoked ours before we stored it.
        """
        if self.check:
            return {"id": None, "note": spec.note, "scopes": spec.scopes,
                    "expires_at": plan.expires_at_for(spec.expires_in, now)}
        made = self.hub.create_token(user, spec.note, spec.scopes, spec.expires_in)
        secret = made.pop("token")
        self.created[user] = secret
        self.scopes.learn(user, made)
        if self.destination is None:
            return made
        try:
            self.destination.write(user, secret, stored.version)
        except token_destinations.DestinationConflict:
            self.hub.delete_token(user, made["id"])
            del self.created[user]
            return None
        except token_destinations.DestinationError as error:
            raise UserFailure("token %s of %s was made but not stored (it is returned in tokens): %s"
                              % (made["id"], user, error))
        owner = self.hub.whoami(token=secret)
        if not owner or owner.get("token_id") != made["id"]:
            del self.created[user]
            return None
        return made

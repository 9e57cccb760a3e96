# -*- coding: utf-8 -*-
# Copyright: (c) 2026, datastack platform engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The JupyterHub REST API on the wire: one keep-alive session, retries, pagination, typed errors.

Nothing here knows about Ansible. Errors carry a ``kind`` (what went wrong) and say it in
the hub's terms; the module layer (``jupyterhub_module``) adds which option to change. The
token is only ever placed in the Authorization header and no message contains it, nor the
credentials of a URL.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
import time
import traceback

try:
    from urllib.parse import quote, urlsplit, urlunsplit
except ImportError:  # pragma: no cover - Python 2 is not supported, kept for sanity tests
    from urllib import quote  # type: ignore
    from urlparse import urlsplit, urlunsplit  # type: ignore

from ansible_collections.datastack.jupyterhub.plugins.module_utils import network

REQUESTS_IMPORT_ERROR = None
try:
    import requests
    from requests.adapters import HTTPAdapter
except ImportError:
    requests = None
    HTTPAdapter = object
    REQUESTS_IMPORT_ERROR = traceback.format_exc()

PAGINATION_ACCEPT = "application/jupyterhub-pagination+json"
UNAVAILABLE_STATUSES = (502, 503, 504)
RETRY_STATUSES = (429,) + UNAVAILABLE_STATUSES
IDEMPOTENT_METHODS = ("GET", "HEAD", "DELETE", "PUT")
SCOPE_PATTERN = re.compile(r"requires any of \[([^\]]*)\]")
MAX_BACKOFF = 10.0
# Requests in flight at once for a batch: enough to overlap client and hub work, few enough for any hub.
POOL_SIZE = 4

# What went wrong, for the layer that explains it to a person.
CONNECTION = "connection"      # nothing answered at the address
TIMEOUT = "timeout"            # the hub took longer than the timeout
TLS_VERIFY = "tls_verify"      # the certificate is not trusted
TLS_PROTOCOL = "tls_protocol"  # the port does not speak TLS
AUTH = "auth"                  # the token is invalid, expired or revoked
SCOPE = "scope"                # the token lacks a scope
UNAVAILABLE = "unavailable"    # a proxy answered for a hub that is down
NOT_HUB = "not_hub"            # the answer is not JupyterHub's
NOT_FOUND = "not_found"        # the user or service does not exist
REFUSED = "refused"            # the hub refused the request (4xx with its reason)
SERVER = "server"              # the hub failed (5xx)
CONFIG_MANAGED = "config_managed"  # a service from the hub's configuration cannot change at runtime


class JupyterHubError(Exception):
    """A failure said in the hub's terms; ``kind`` tells the module layer which hint to add."""

    def __init__(self, kind, message, status=None, hub_message=None, scopes=None, uncertain=False):
        super(JupyterHubError, self).__init__(message)
        self.kind = kind
        self.message = message
        self.status = status
        self.hub_message = hub_message
        self.scopes = scopes
        # True when a request that changes something may have taken effect anyway (a timed-out POST).
        self.uncertain = uncertain

    @property
    def fatal(self):
        """Whether the next request will fail the same way (stop a batch instead of going on)."""
        return self.kind in (CONNECTION, TIMEOUT, TLS_VERIFY, TLS_PROTOCOL, AUTH, UNAVAILABLE, NOT_HUB)


def redact_url(url):
    """``url`` without ``user:password@``, safe to show."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<unparsable URL>"
    if "@" not in parts.netloc:
        return url
    return urlunsplit((parts.scheme, "***@" + parts.netloc.rsplit("@", 1)[1], parts.path, parts.query,
                       parts.fragment))


def quote_name(name):
    return quote(name, safe="")


def server_path(user, server_name=""):
    """The API path of a user's default server (``server_name`` empty) or of a named one."""
    path = "/users/%s/server" % quote_name(user)
    return path + "s/%s" % quote_name(server_name) if server_name else path


def server_label(user, server_name=""):
    """How messages name a server: ``the server of alice`` or ``server 'lab' of alice``."""
    return "server %r of user %s" % (server_name, user) if server_name else "the server of user %s" % user


class JupyterHubClient(object):
    """One hub, one token, one keep-alive session (shared by the threads of a batch)."""

    def __init__(self, api_url, api_token, verify=True, timeout=60, retries=3, backoff=0.5, sleep=time.sleep):
        self.api_url = api_url.rstrip("/")
        self.shown_url = redact_url(self.api_url)
        self.timeout = timeout
        self.retries = max(0, retries)
        self.backoff = backoff
        self._sleep = sleep
        self.session = requests.Session()
        adapter = HTTPAdapter(pool_connections=1, pool_maxsize=POOL_SIZE)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        self.session.headers.update({
            "Authorization": "token %s" % api_token,
            "Accept": "application/json",
            "User-Agent": "datastack.jupyterhub-ansible",
        })
        self.session.verify = verify
        self.request_count = 0

    def close(self):
        self.session.close()

    # -- transport ---------------------------------------------------------------------------

    def request(self, method, path, action, body=None, params=None, headers=None, token=None, ok=(200, 201, 204)):
        """Send one request with retries; return (status, decoded JSON or None).

        Statuses in ``ok`` are returned for the caller to interpret (e.g. 404 or 409); any other
        raises JupyterHubError. ``action`` says what the request is for, in messages.
        """
        url = self.api_url + path
        request_headers = dict(headers or {})
        if token is not None:
            request_headers["Authorization"] = "token %s" % token
        attempt = 0
        while True:
            attempt += 1
            self.request_count += 1
            try:
                response = self.session.request(method, url, json=body, params=params, headers=request_headers,
                                                timeout=self.timeout)
            except requests.exceptions.SSLError as exc:
                raise self._tls_error(exc)
            except requests.exceptions.ConnectionError as exc:
                # A request that never reached the hub is safe to repeat, whatever its method.
                not_sent = _not_sent(exc)
                if (not_sent or method in IDEMPOTENT_METHODS) and attempt <= self.retries:
                    self._sleep(self._delay(attempt))
                    continue
                raise JupyterHubError(
                    CONNECTION, "cannot connect to JupyterHub at %s (%s) to %s, after %d attempt%s"
                    % (self.shown_url, network.reason(exc), action, attempt, "" if attempt == 1 else "s"),
                    uncertain=not not_sent and method not in IDEMPOTENT_METHODS)
            except requests.exceptions.Timeout:
                if method in IDEMPOTENT_METHODS and attempt <= self.retries:
                    self._sleep(self._delay(attempt))
                    continue
                raise JupyterHubError(
                    TIMEOUT, "JupyterHub at %s did not answer within %s s when asked to %s"
                    % (self.shown_url, _seconds(self.timeout), action),
                    uncertain=method not in IDEMPOTENT_METHODS)
            status = response.status_code
            # The hub itself may answer 503 with its JSON reason (a spawn refused by a pre-spawn hook): that is the
            # hub's decision, not a proxy answering for a hub that is down, and repeating a POST would repeat it.
            hub_refusal = status in UNAVAILABLE_STATUSES and _hub_message(response) is not None
            retryable = (status in RETRY_STATUSES and not (hub_refusal and method not in IDEMPOTENT_METHODS)) or \
                (status >= 500 and method in IDEMPOTENT_METHODS)
            if status not in ok and retryable and attempt <= self.retries:
                self._sleep(_retry_after(response, self._delay(attempt)))
                continue
            if status in UNAVAILABLE_STATUSES and status not in ok and not hub_refusal:
                raise JupyterHubError(
                    UNAVAILABLE, "%s answered HTTP %d when asked to %s: the proxy in front of JupyterHub is up "
                    "but the hub behind it is down, restarting or unreachable" % (self.shown_url, status, action),
                    status=status, uncertain=method not in IDEMPOTENT_METHODS)
            data = self._decode(response, action)
            if status in ok:
                return status, data
            raise self._error(status, data, action)

    def _delay(self, attempt):
        return min(self.backoff * (2 ** (attempt - 1)), MAX_BACKOFF)

    def _tls_error(self, exc):
        reason = network.reason(exc)
        if reason in network.TLS_PROTOCOL_MARKERS:
            return JupyterHubError(
                TLS_PROTOCOL, "%s does not speak TLS (%s): the port answers plain HTTP, or is not a web server"
                % (self.shown_url, reason))
        if reason in network.TLS_VERIFY_MARKERS:
            return JupyterHubError(
                TLS_VERIFY, "the TLS certificate of %s is not trusted (%s)" % (self.shown_url, reason))
        detail = " (%s)" % reason if reason in network.MARKERS else ""
        return JupyterHubError(TLS_PROTOCOL, "the TLS handshake with %s failed%s" % (self.shown_url, detail))

    def _decode(self, response, action):
        if response.status_code == 204 or not response.content:
            return None
        try:
            return response.json()
        except ValueError:
            kind = response.headers.get("Content-Type", "unknown content type").split(";")[0]
            raise JupyterHubError(
                NOT_HUB, "%s answered HTTP %s with %s, not JupyterHub's JSON, when asked to %s: it is not the "
                "hub's REST API (it ends in /hub/api), or something in front of the hub answered in its place "
                "(a login page, a proxy error page)" % (self.shown_url, response.status_code, kind, action),
                status=response.status_code)

    def _error(self, status, data, action):
        hub_message = data.get("message") if isinstance(data, dict) else None
        if status == 401 or (status == 403 and (not hub_message or "invalid credentials" in hub_message.lower())):
            # The hub answers 403, with no message or "Missing or invalid credentials.", to a token it does not know.
            return JupyterHubError(
                AUTH, "JupyterHub at %s rejected the token (HTTP %d: invalid, expired or revoked) when asked to %s"
                % (self.shown_url, status, action), status=status)
        if status == 403:
            match = SCOPE_PATTERN.search(hub_message)
            if match:
                return JupyterHubError(
                    SCOPE, "the token may not %s: it lacks the scope %s" % (action, match.group(1)),
                    status=status, hub_message=hub_message, scopes=match.group(1))
            return JupyterHubError(REFUSED, "JupyterHub refused to %s (HTTP 403): %s" % (action, hub_message),
                                   status=status, hub_message=hub_message)
        if status == 404:
            return JupyterHubError(NOT_FOUND, "JupyterHub could not %s: %s" % (action, hub_message or "not found"),
                                   status=status, hub_message=hub_message)
        detail = hub_message or "no reason given"
        kind = SERVER if status >= 500 else REFUSED
        return JupyterHubError(kind, "JupyterHub could not %s (HTTP %d): %s" % (action, status, detail),
                               status=status, hub_message=hub_message)

    def _shape(self, data, action, check):
        """``data`` if ``check(data)`` holds, else a NOT_HUB error (a server that is not the hub)."""
        try:
            if check(data):
                return data
        except (AttributeError, KeyError, TypeError):
            pass
        raise JupyterHubError(
            NOT_HUB, "%s gave an answer JupyterHub never gives when asked to %s: it is not the hub's REST API "
            "(it ends in /hub/api)" % (self.shown_url, action))

    def paginate(self, path, action, params=None):
        """Every item of a list endpoint; follows ``_pagination.next`` instead of trusting one page."""
        items = []
        query = dict(params or {})
        headers = {"Accept": PAGINATION_ACCEPT}
        while True:
            dummy, data = self.request("GET", path, action, params=query, headers=headers)
            if isinstance(data, dict) and "items" in data:
                items.extend(data["items"])
                following = (data.get("_pagination") or {}).get("next")
                if not following:
                    return items
                query.update(offset=following["offset"], limit=following["limit"])
            else:
                # An endpoint (or an old hub) without pagination answers the whole list.
                return list(self._shape(data, action, lambda d: isinstance(d, list)))

    # -- the hub ------------------------------------------------------------------------------

    def version(self):
        """The hub's version; proves that ``api_url`` is a JupyterHub API (one cheap request)."""
        action = "tell its version"
        dummy, data = self.request("GET", "/", action)
        return self._shape(data, action, lambda d: isinstance(d["version"], str))["version"]

    def whoami(self, token=None):
        """The model of the token's owner (with ``token_id``); None when ``token`` is given and invalid."""
        action = "say who the token belongs to"
        status, data = self.request("GET", "/user", action, token=token,
                                    ok=(200,) if token is None else (200, 401, 403))
        if status != 200:
            return None
        return self._shape(data, action, lambda d: isinstance(d["name"], str) and "kind" in d)

    def sync_proxy(self):
        """Make the hub update the proxy's routes now; False when the token lacks the ``proxy`` scope."""
        try:
            self.request("POST", "/proxy", "update the proxy's routes")
        except JupyterHubError as exc:
            if exc.kind == SCOPE:
                return False
            raise
        return True

    # -- users and tokens --------------------------------------------------------------------

    def list_users(self):
        return self.paginate("/users", "list users")

    def user_exists(self, name):
        status, dummy = self.request("GET", "/users/%s" % quote_name(name), "read user %s" % name, ok=(200, 404))
        return status == 200

    def create_users(self, names):
        """Create users with one call (the hub normalises the names); return the names it created."""
        if not names:
            return []
        action = "create %s" % _count(len(names), "user")
        status, data = self.request("POST", "/users", action, body={"usernames": list(names)}, ok=(200, 201, 409))
        if status == 409:
            return []
        users = self._shape(data, action, lambda d: isinstance(d, list) and all(isinstance(u["name"], str) for u in d))
        return [user["name"] for user in users]

    def list_tokens(self, user):
        """The user's API tokens (without secrets), or None when the user does not exist."""
        action = "list the tokens of user %s" % user
        status, data = self.request("GET", "/users/%s/tokens" % quote_name(user), action, ok=(200, 404))
        if status == 404:
            return None
        return self._shape(data, action, lambda d: all(isinstance(t["id"], str) for t in d["api_tokens"]))["api_tokens"]

    def create_token(self, user, note, scopes=None, expires_in=None):
        """A new token's model, with its secret under ``token``."""
        body = {"note": note}
        if scopes is not None:
            body["scopes"] = list(scopes)
        if expires_in is not None:
            body["expires_in"] = expires_in
        action = "create a token for user %s" % user
        try:
            dummy, data = self.request("POST", "/users/%s/tokens" % quote_name(user), action, body=body,
                                       ok=(200, 201))
        except JupyterHubError as exc:
            if exc.kind == REFUSED and exc.status == 403 and "not found" in (exc.hub_message or ""):
                # The hub answers 403, not 404, for a user that does not exist or is out of the token's reach.
                if not self.user_exists(user):
                    raise JupyterHubError(NOT_FOUND, "user %s does not exist" % user, 404, exc.hub_message)
                raise JupyterHubError(SCOPE, "the token may not %s: it lacks the scope tokens (or a filtered one "
                                      "such as tokens!group=<group> covering this user)" % action, 403,
                                      exc.hub_message, scopes="tokens")
            raise
        return self._shape(data, action, lambda d: isinstance(d["token"], str) and isinstance(d["id"], str))

    def delete_token(self, user, token_id):
        """Revoke a token; one that is already gone counts as revoked."""
        self.request("DELETE", "/users/%s/tokens/%s" % (quote_name(user), quote_name(token_id)),
                     "revoke token %s of user %s" % (token_id, user), ok=(200, 204, 404))

    def get_user(self, name):
        """The user's model (with ``servers``), or None when the user does not exist."""
        action = "read user %s" % name
        status, data = self.request("GET", "/users/%s" % quote_name(name), action, ok=(200, 404))
        if status == 404:
            return None
        return self._shape(data, action, lambda d: isinstance(d["name"], str) and "servers" in d)

    def delete_user(self, name):
        """Delete a user (and its tokens); one that is already gone counts as deleted."""
        self.request("DELETE", "/users/%s" % quote_name(name), "delete user %s" % name, ok=(200, 204, 404))

    # -- single-user servers -----------------------------------------------------------------

    def start_server(self, user, server_name="", options=None):
        """Ask the hub to start a server; True when the spawn is still pending (202), False when done (201)."""
        action = "start %s" % server_label(user, server_name)
        status, dummy = self.request("POST", server_path(user, server_name), action, body=options or None,
                                     ok=(201, 202))
        return status == 202

    def stop_server(self, user, server_name=""):
        """Ask the hub to stop a server; True when the stop is still pending (202)."""
        action = "stop %s" % server_label(user, server_name)
        status, dummy = self.request("DELETE", server_path(user, server_name), action, ok=(202, 204))
        return status == 202

    # -- services ------------------------------------------------------------------------------

    def get_service(self, name):
        action = "read service %s" % name
        status, data = self.request("GET", "/services/%s" % quote_name(name), action, ok=(200, 404))
        if status == 404:
            return None
        return self._shape(data, action, lambda d: d["name"] == name)

    def create_service(self, name, body):
        action = "add service %s" % name
        dummy, data = self.request("POST", "/services/%s" % quote_name(name), action, body=body, ok=(200, 201))
        return self._shape(data, action, lambda d: d["name"] == name)

    def delete_service(self, name):
        try:
            self.request("DELETE", "/services/%s" % quote_name(name), "remove service %s" % name,
                         ok=(200, 204, 404))
        except JupyterHubError as exc:
            if exc.status == 405:
                raise JupyterHubError(
                    CONFIG_MANAGED, "service %s is defined in the hub's configuration (JupyterHub.services, or "
                    "hub.services in the Zero to JupyterHub values), which the hub does not let anyone change "
                    "at runtime" % name, 405, exc.hub_message)
            raise


def _hub_message(response):
    """The ``message`` of a JSON error answer (as the hub gives), or None."""
    if not response.headers.get("Content-Type", "").startswith("application/json"):
        return None
    try:
        data = response.json()
    except ValueError:
        return None
    message = data.get("message") if isinstance(data, dict) else None
    return message if isinstance(message, str) else None


def _not_sent(exc):
    """Whether a connection error happened before the request reached the server."""
    text = str(exc).lower()
    return isinstance(exc, requests.exceptions.ConnectTimeout) or "connection refused" in text or \
        "newconnectionerror" in text or "name or service not known" in text


def _retry_after(response, default):
    try:
        return min(float(response.headers.get("Retry-After", default)), MAX_BACKOFF)
    except (TypeError, ValueError):
        return default


def _seconds(value):
    return ("%g" % value) if isinstance(value, float) else str(value)


def _count(number, word):
    return "%d %s%s" % (number, word, "" if number == 1 else "s")

# -*- coding: utf-8 -*-
# Copyright: (c) 2026, datastack platform engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one JupyterHub REST API client of this collection.

One keep-alive session per module run, retries with backoff for transient failures,
pagination of list endpoints, and errors that name the cause and the fix. The API token is
only ever placed in the Authorization header; no message built here contains it.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
import time
import traceback

try:
    from urllib.parse import quote
except ImportError:  # pragma: no cover - Python 2 is not supported, kept for sanity tests
    from urllib import quote  # type: ignore

from ansible.module_utils.basic import AnsibleModule, env_fallback, missing_required_lib

REQUESTS_IMPORT_ERROR = None
try:
    import requests
    from requests.adapters import HTTPAdapter
except ImportError:
    requests = None
    HTTPAdapter = object
    REQUESTS_IMPORT_ERROR = traceback.format_exc()

PAGINATION_ACCEPT = "application/jupyterhub-pagination+json"
RETRY_STATUSES = (429, 502, 503, 504)
IDEMPOTENT_METHODS = ("GET", "HEAD", "DELETE", "PUT")
SCOPE_PATTERN = re.compile(r"requires any of \[([^\]]*)\]")


def jupyterhub_argument_spec():
    """Connection options shared by every JupyterHub module (doc fragment datastack.jupyterhub.jupyterhub)."""
    return dict(
        api_url=dict(type="str", required=True, fallback=(env_fallback, ["JUPYTERHUB_API_URL"])),
        api_token=dict(type="str", required=True, no_log=True, fallback=(env_fallback, ["JUPYTERHUB_API_TOKEN"])),
        validate_certs=dict(type="bool", default=True),
        ca_path=dict(type="path"),
        timeout=dict(type="int", default=60),
        retries=dict(type="int", default=3),
    )


class JupyterHubError(Exception):
    """An API failure explained for a person: what went wrong and how to fix it."""

    def __init__(self, message, status=None, hub_message=None):
        super(JupyterHubError, self).__init__(message)
        self.message = message
        self.status = status
        self.hub_message = hub_message


class JupyterHubClient(object):
    def __init__(self, api_url, api_token, validate_certs=True, ca_path=None, timeout=60, retries=3,
                 backoff=0.5, sleep=time.sleep):
        self.api_url = api_url.rstrip("/")
        self._token = api_token
        self.timeout = timeout
        self.retries = max(0, retries)
        self.backoff = backoff
        self._sleep = sleep
        self.session = requests.Session()
        # A batch of hundreds of users talks to one host: keep a small pool of live connections.
        adapter = HTTPAdapter(pool_connections=1, pool_maxsize=4)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        self.session.headers.update({
            "Authorization": "token %s" % api_token,
            "Accept": "application/json",
            "User-Agent": "datastack.jupyterhub-ansible",
        })
        self.session.verify = (ca_path or True) if validate_certs else False
        self.request_count = 0

    def close(self):
        self.session.close()

    # -- transport ---------------------------------------------------------------------------

    def request(self, method, path, body=None, params=None, headers=None, token=None, ok=(200, 201, 204),
                action=None):
        """Send one request with retries; return the decoded JSON (or None for an empty body).

        ``ok`` lists the statuses that are success; other statuses raise JupyterHubError, except
        those in ``ok`` which the caller interprets (e.g. 404 or 409).
        """
        url = path if path.startswith("http") else self.api_url + path
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
                raise JupyterHubError(
                    "TLS verification failed for %s: %s. Set ca_path to the CA bundle that signed the hub's "
                    "certificate (validate_certs=false only for throwaway test hubs)." % (self.api_url, _reason(exc)))
            except requests.exceptions.ConnectionError as exc:
                if attempt <= self.retries:
                    self._sleep(self.backoff * (2 ** (attempt - 1)))
                    continue
                raise JupyterHubError(
                    "cannot connect to JupyterHub at %s (%s) after %d attempts. Check api_url (the API base, "
                    "e.g. https://hub.example.org/hub/api) and that the hub and its proxy are running."
                    % (self.api_url, _reason(exc), attempt))
            except requests.exceptions.Timeout:
                if method in IDEMPOTENT_METHODS and attempt <= self.retries:
                    self._sleep(self.backoff * (2 ** (attempt - 1)))
                    continue
                raise JupyterHubError(
                    "JupyterHub at %s did not answer %s %s within %s s; raise timeout or check the hub's load."
                    % (self.api_url, method, _path_only(url, self.api_url), self.timeout))
            status = response.status_code
            retryable = status in RETRY_STATUSES or (status >= 500 and method in IDEMPOTENT_METHODS)
            if status not in ok and retryable and attempt <= self.retries:
                self._sleep(_retry_after(response, self.backoff * (2 ** (attempt - 1))))
                continue
            data = self._decode(response, url)
            if status in ok:
                return status, data
            raise self._error(method, url, status, data, action)

    def _decode(self, response, url):
        if response.status_code == 204 or not response.content:
            return None
        try:
            return response.json()
        except ValueError:
            kind = response.headers.get("Content-Type", "unknown content type")
            raise JupyterHubError(
                "the answer from %s is not JSON (HTTP %s, %s): api_url must be the hub's API base ending in "
                "/hub/api (e.g. https://hub.example.org/hub/api), and nothing between Ansible and the hub may "
                "answer in its place (a login page, a proxy error page)."
                % (_path_only(url, ""), response.status_code, kind.split(";")[0]), status=response.status_code)

    def _error(self, method, url, status, data, action):
        hub_message = data.get("message") if isinstance(data, dict) else None
        what = action or "%s %s" % (method, _path_only(url, self.api_url))
        if status == 401 or (status == 403 and hub_message and "invalid credentials" in hub_message.lower()):
            return JupyterHubError(
                "JupyterHub rejected the API token (HTTP %s: invalid, expired or revoked) while trying to %s. "
                "Check api_token / JUPYTERHUB_API_TOKEN." % (status, what), status, hub_message)
        if status == 403:
            match = SCOPE_PATTERN.search(hub_message or "")
            if match:
                scopes = match.group(1)
                return JupyterHubError(
                    "the API token may not %s: it lacks the scope %s. Grant it to the token's owner through a "
                    "role in the hub configuration (JupyterHub.load_roles / hub.loadRoles)." % (what, scopes),
                    status, hub_message)
            return JupyterHubError("JupyterHub refused to %s (HTTP 403): %s" % (what, hub_message), status,
                                   hub_message)
        detail = hub_message or (str(data)[:200] if data else "no details")
        return JupyterHubError("JupyterHub could not %s (HTTP %s): %s" % (what, status, detail), status,
                               hub_message)

    def paginate(self, path, params=None, key=None):
        """Every item of a list endpoint; follows ``_pagination.next`` instead of trusting one page."""
        items = []
        query = dict(params or {})
        headers = {"Accept": PAGINATION_ACCEPT}
        while True:
            dummy, data = self.request("GET", path, params=query, headers=headers)
            if isinstance(data, dict) and "items" in data:
                items.extend(data["items"])
                following = (data.get("_pagination") or {}).get("next")
                if not following:
                    return items
                query.update(offset=following["offset"], limit=following["limit"])
            else:
                # An endpoint (or an old hub) without pagination answers the whole list.
                return list(data[key] if key and isinstance(data, dict) else data or [])

    # -- users and tokens --------------------------------------------------------------------

    def whoami(self, token=None):
        dummy, data = self.request("GET", "/user", token=token, action="identify the token's owner")
        return data

    def version(self):
        dummy, data = self.request("GET", "/", action="read the hub version")
        return (data or {}).get("version")

    def list_users(self):
        return self.paginate("/users")

    def get_user(self, name):
        status, data = self.request("GET", "/users/%s" % quote_name(name), ok=(200, 404),
                                    action="read user %s" % name)
        return data if status == 200 else None

    def create_user(self, name):
        """Create one user; return True if created, False if it already existed."""
        status, dummy = self.request("POST", "/users/%s" % quote_name(name), ok=(201, 409),
                                     action="create user %s" % name)
        return status == 201

    def create_users(self, names):
        """Create many users with one call; return the names that were created."""
        if not names:
            return []
        status, data = self.request("POST", "/users", body={"usernames": list(names)}, ok=(201, 409),
                                    action="create %d users" % len(names))
        if status == 409:
            return []
        return [user["name"] for user in data or []]

    def list_tokens(self, user):
        """The user's API tokens, or None when the user does not exist."""
        status, data = self.request("GET", "/users/%s/tokens" % quote_name(user), ok=(200, 404),
                                    action="list the tokens of user %s" % user)
        if status == 404:
            return None
        return (data or {}).get("api_tokens", [])

    def create_token(self, user, note, scopes=None, expires_in=None):
        body = {"note": note}
        if scopes is not None:
            body["scopes"] = list(scopes)
        if expires_in is not None:
            body["expires_in"] = int(expires_in)
        try:
            dummy, data = self.request("POST", "/users/%s/tokens" % quote_name(user), body=body, ok=(200, 201),
                                       action="create a token for user %s" % user)
        except JupyterHubError as exc:
            if exc.status == 403 and exc.hub_message and "not found" in exc.hub_message:
                # The hub answers 403, not 404, when the user does not exist.
                if self.get_user(user) is None:
                    raise JupyterHubError("user %s does not exist; create it first or set create_user=true"
                                          % user, 404, exc.hub_message)
                raise JupyterHubError(
                    "the API token may not create tokens for user %s: it needs the scope tokens (or a filtered "
                    "one such as tokens!group=<group> that covers this user)." % user, 403, exc.hub_message)
            raise
        return data

    def delete_token(self, user, token_id):
        """Revoke a token; a token that is already gone counts as revoked."""
        status, dummy = self.request("DELETE", "/users/%s/tokens/%s" % (quote_name(user), quote_name(token_id)),
                                     ok=(200, 204, 404), action="revoke token %s of user %s" % (token_id, user))
        return status != 404

    # -- services ------------------------------------------------------------------------------

    def get_service(self, name):
        status, data = self.request("GET", "/services/%s" % quote_name(name), ok=(200, 404),
                                    action="read service %s" % name)
        return data if status == 200 else None

    def create_service(self, name, body):
        dummy, data = self.request("POST", "/services/%s" % quote_name(name), body=body, ok=(200, 201),
                                   action="add service %s" % name)
        return data

    def delete_service(self, name):
        try:
            status, dummy = self.request("DELETE", "/services/%s" % quote_name(name), ok=(200, 204, 404),
                                         action="remove service %s" % name)
        except JupyterHubError as exc:
            if exc.status == 405:
                raise JupyterHubError(
                    "service %s is managed in the hub configuration (JupyterHub.services / hub.services in the "
                    "Z2JH values), not at runtime: change it there, or pick another name." % name, 405,
                    exc.hub_message)
            raise
        return status != 404


class JupyterHubModule(AnsibleModule):
    """AnsibleModule with the shared connection options and a ready client (``self.hub``)."""

    def __init__(self, argument_spec, **kwargs):
        spec = jupyterhub_argument_spec()
        spec.update(argument_spec)
        super(JupyterHubModule, self).__init__(argument_spec=spec, **kwargs)
        if requests is None:
            self.fail_json(msg=missing_required_lib("requests"), exception=REQUESTS_IMPORT_ERROR)
        params = self.params
        self.hub = JupyterHubClient(params["api_url"], params["api_token"], params["validate_certs"],
                                    params["ca_path"], params["timeout"], params["retries"])

    def fail_hub(self, error, **result):
        self.fail_json(msg=error.message, status=error.status, **result)


def quote_name(name):
    return quote(name, safe="")


def _reason(exc):
    text = str(exc)
    for marker in ("Connection refused", "Name or service not known", "certificate verify failed",
                   "timed out", "No route to host", "Temporary failure in name resolution",
                   "hostname mismatch", "self-signed certificate", "self signed certificate"):
        if marker.lower() in text.lower():
            return marker.lower()
    return exc.__class__.__name__


def _path_only(url, base):
    return url[len(base):] if base and url.startswith(base) else url.split("?")[0]


def _retry_after(response, default):
    try:
        return min(float(response.headers.get("Retry-After", default)), 30.0)
    except (TypeError, ValueError):
        return default

# -*- coding: utf-8 -*-
# Copyright: (c) 2026, datastack platform engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The base of every JupyterHub module: connection options, their checks, the client, the messages.

The options are documented once in the doc fragment ``datastack.jupyterhub.jupyterhub``. Errors
of the client (``jupyterhub_client``) become messages that name the option to change.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

try:
    from urllib.parse import urlsplit
except ImportError:  # pragma: no cover - Python 2 is not supported, kept for sanity tests
    from urlparse import urlsplit  # type: ignore

from ansible.module_utils.basic import env_fallback, missing_required_lib

from ansible_collections.datastack.jupyterhub.plugins.module_utils import jupyterhub_client as wire
from ansible_collections.datastack.jupyterhub.plugins.module_utils.connected_module import ConnectedModule
from ansible_collections.datastack.jupyterhub.plugins.module_utils.jupyterhub_server_plan import hub_url_from_api

MAX_RETRIES = 10

# What to change, by kind of client error; these are the only messages that name module options.
HINTS = {
    wire.CONNECTION: "Check api_url (the API base, e.g. https://hub.example.org/hub/api) and that the hub and "
                     "its proxy are running.",
    wire.TIMEOUT: "Raise timeout if the hub is only slow, or check the hub (stopped, overloaded).",
    wire.TLS_VERIFY: "Set ca_path to the CA bundle that signed the hub's certificate (validate_certs=false only "
                     "for throwaway test hubs).",
    wire.TLS_PROTOCOL: "Use http:// in api_url for a hub without TLS, or the port that serves https.",
    wire.AUTH: "Check api_token (or JUPYTERHUB_API_TOKEN): give a valid token of a service such as admin-service.",
    wire.SCOPE: "Give api_token's owner that scope through a role in the hub configuration "
                "(JupyterHub.load_roles, or hub.loadRoles in the Zero to JupyterHub values).",
    wire.UNAVAILABLE: "Start the hub (or wait for its restart) and run again; api_url is right.",
    wire.NOT_HUB: "Check api_url: it must be the hub's REST API base, e.g. https://hub.example.org/hub/api.",
    wire.CONFIG_MANAGED: "Change it in the hub configuration, or give this module another name.",
}


def jupyterhub_argument_spec():
    """Connection options shared by every JupyterHub module (doc fragment datastack.jupyterhub.jupyterhub)."""
    return dict(
        api_url=dict(type="str", required=True, fallback=(env_fallback, ["JUPYTERHUB_API_URL"])),
        api_token=dict(type="str", required=True, no_log=True, fallback=(env_fallback, ["JUPYTERHUB_API_TOKEN"])),
        validate_certs=dict(type="bool", default=True),
        ca_path=dict(type="path"),
        timeout=dict(type="float", default=60),
        retries=dict(type="int", default=3),
    )


class JupyterHubModule(ConnectedModule):
    """The shared connection options merged in; ``connect()`` returns the JupyterHubClient, built once."""

    HINTS = HINTS

    def __init__(self, argument_spec, **kwargs):
        super(JupyterHubModule, self).__init__(jupyterhub_argument_spec(), argument_spec, **kwargs)

    # Credentials in api_url (user:password@) are refused, and masked before anything logs or returns them.
    def _mask_url_credentials(self):
        self.no_log_values.update(url_credentials((getattr(self, "params", None) or {}).get("api_url")))

    def _log_invocation(self):
        self._mask_url_credentials()
        super(JupyterHubModule, self)._log_invocation()

    def exit_json(self, **kwargs):
        self._mask_url_credentials()
        super(JupyterHubModule, self).exit_json(**kwargs)

    def fail_json(self, msg, **kwargs):
        self._mask_url_credentials()
        if self.client is not None:
            self.client.close()
        super(JupyterHubModule, self).fail_json(msg, **kwargs)

    def open_client(self):
        """Check the connection options, build the client and make sure api_url is a JupyterHub API."""
        if wire.requests is None:
            self.fail_json(msg=missing_required_lib("requests"), exception=wire.REQUESTS_IMPORT_ERROR)
        params = self.params
        problem = connection_problem(params)
        if problem:
            self.fail_json(msg=problem)
        verify = (params["ca_path"] or True) if params["validate_certs"] else False
        hub = wire.JupyterHubClient(params["api_url"], params["api_token"], verify=verify,
                                    timeout=params["timeout"], retries=params["retries"])
        try:
            hub.version()
        except wire.JupyterHubError as error:
            hub.close()
            self.fail_json(msg=self.explain(error), status=error.status)
        return hub

    def fail_hub(self, error, **result):
        """Fail the task with the client's message, the option to change and the hub's HTTP status."""
        self.fail_json(msg=self.explain(error), status=error.status, **result)


def url_credentials(url):
    """The user:password part of ``url`` (and the password alone), to mask; empty when there is none."""
    try:
        netloc = urlsplit(url or "").netloc
    except ValueError:
        return set()
    if "@" not in netloc:
        return set()
    userinfo = netloc.rsplit("@", 1)[0]
    return set(part for part in (userinfo, userinfo.partition(":")[2]) if part)


def connection_problem(params):
    """What is wrong with the connection options, or None."""
    url = params["api_url"] or ""
    try:
        parts = urlsplit(url)
        dummy = parts.port  # a port that is not a number raises ValueError
    except ValueError:
        return "api_url %s is not a valid URL: give the hub's API base, e.g. https://hub.example.org/hub/api" \
            % wire.redact_url(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "api_url %r must be an http:// or https:// URL with a host, e.g. https://hub.example.org/hub/api" \
            % wire.redact_url(url)
    if url_credentials(url):
        return ("api_url %s contains credentials (user:password@): JupyterHub authenticates with api_token; "
                "remove them from the URL" % wire.redact_url(url))
    if not params["api_token"] or not params["api_token"].strip():
        return "api_token is empty: give the token of a service such as admin-service (or set JUPYTERHUB_API_TOKEN)"
    if not params["timeout"] > 0:
        return "timeout must be a positive number of seconds (got %s)" % params["timeout"]
    if not 0 <= params["retries"] <= MAX_RETRIES:
        return "retries must be between 0 and %d (got %s)" % (MAX_RETRIES, params["retries"])
    return None


# -- modules that talk to a user's server through the hub's proxy --------------------------------------

USER_SERVER_HINTS = {
    "connection": "Check hub_url (or api_url): the hub's public URL must reach the proxy.",
    "refused": "Give user_token: a token of the server's owner with the scope access:servers!user=<name> "
               "(jupyterhub_token makes one).",
    "not_running": "Start the server first (datastack.jupyterhub.jupyterhub_server with state=started).",
    "timeout": "Raise timeout, or check the server (overloaded, stopped).",
}


def user_server_argument_spec():
    """Options of the modules that reach a user's server (doc fragment datastack.jupyterhub.jupyterhub.user_server)."""
    return dict(
        user=dict(type="str", required=True),
        server_name=dict(type="str", default=""),
        user_token=dict(type="str", no_log=True),
        hub_url=dict(type="str"),
    )


def user_server_url(params):
    """``<hub>/user/<name>/`` (or ``.../<server>/``) from the module's options."""
    hub_url = (params.get("hub_url") or hub_url_from_api(params["api_url"])).rstrip("/")
    url = "%s/user/%s/" % (hub_url, wire.quote_name(params["user"]))
    if params.get("server_name"):
        url += "%s/" % wire.quote_name(params["server_name"])
    return url


def explain_user_server(error):
    hint = USER_SERVER_HINTS.get(error.kind)
    return "%s. %s" % (error.message, hint) if hint else error.message

# -*- coding: utf-8 -*-
# Copyright: (c) 2026, datastack platform engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Where ``jupyterhub_token`` keeps the secrets it creates: one class per kind of destination.

Every destination stores one secret per user and offers the same three calls:

- ``read(user)`` -> Stored(secret or None, version): what is there now;
- ``write(user, secret, version)`` -> new version, only if the entry is still at ``version``
  (compare-and-set), else DestinationConflict: two runs at once never both win;
- ``remove(user)``: forget the entry.

``where(user)`` says where an entry is, without any secret. Messages never contain a secret.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import errno
import fcntl
import hashlib
import os
import re
import tempfile
import threading
from collections import namedtuple

from ansible.module_utils.basic import env_fallback

from ansible_collections.datastack.jupyterhub.plugins.module_utils import (
    connected_module,
    network,
    vault_client,
    vault_module,
)

Stored = namedtuple("Stored", "secret version")

USER_FIELD = "{user}"
MANAGED_BY = "datastack.jupyterhub"
USER_ANNOTATION = "datastack.jupyterhub/user"
SECRET_NAME_MAX = 253
_DNS_NAME = re.compile(r"^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")


class DestinationError(Exception):
    """The destination cannot be read or written; the message says why and names no secret."""


class DestinationConflict(DestinationError):
    """Another writer changed the entry since it was read."""


def fill(template, user):
    return template.replace(USER_FIELD, user)


def template_problem(option, template, batch):
    """Why ``template`` cannot name one entry per user, or None."""
    if not template or not template.strip():
        return "%s must not be empty" % option
    if batch and USER_FIELD not in template:
        return "%s must contain %s when tokens are made for several users (one entry per user)" % (option, USER_FIELD)
    return None


class FileDestination(object):
    """A directory of 0600 files, one per user, holding the token and a newline."""

    kind = "file"

    def __init__(self, directory, file_name="{user}.token"):
        self.directory = directory
        self.file_name = file_name
        self._lock = threading.Lock()

    def path(self, user):
        return os.path.join(self.directory, fill(self.file_name, user))

    def where(self, user):
        return "file %s" % self.path(user)

    def read(self, user):
        try:
            with open(self.path(user), "rb") as handle:
                content = handle.read()
        except IOError as exc:
            if exc.errno == errno.ENOENT:
                return Stored(None, None)
            raise DestinationError("cannot read %s: %s" % (self.path(user), exc.strerror))
        secret = content.decode("utf-8", "replace").strip()
        return Stored(secret or None, hashlib.sha256(content).hexdigest())

    def _ensure_directory(self):
        try:
            os.makedirs(self.directory, 0o700)
        except OSError as exc:
            if exc.errno != errno.EEXIST or not os.path.isdir(self.directory):
                raise DestinationError("cannot create the directory %s: %s" % (self.directory, exc.strerror))

    def write(self, user, secret, version):
        self._ensure_directory()
        path = self.path(user)
        # One writer at a time: threads of this run by a lock, other runs by flock on the directory.
        with self._lock:
            directory = os.open(self.directory, os.O_RDONLY)
            try:
                fcntl.flock(directory, fcntl.LOCK_EX)
                if self.read(user).version != version:
                    raise DestinationConflict("%s changed while this run was writing it" % path)
                content = (secret + "\n").encode("utf-8")
                handle, temporary = tempfile.mkstemp(dir=self.directory, prefix=".token-")  # mode 0600
                try:
                    with os.fdopen(handle, "wb") as out:
                        out.write(content)
                        out.flush()
                        os.fsync(out.fileno())
                    os.rename(temporary, path)
                except OSError as exc:
                    if os.path.exists(temporary):
                        os.unlink(temporary)
                    raise DestinationError("cannot write %s: %s" % (path, exc.strerror))
                os.fsync(directory)
                return hashlib.sha256(content).hexdigest()
            finally:
                os.close(directory)

    def remove(self, user):
        try:
            os.unlink(self.path(user))
        except OSError as exc:
            if exc.errno != errno.ENOENT:
                raise DestinationError("cannot remove %s: %s" % (self.path(user), exc.strerror))


class VaultKVDestination(object):
    """A KV v2 path per user; the token is one key of the secret there, other keys are kept."""

    kind = "vault_kv"

    def __init__(self, client, mount, path, key="token"):
        self.client = client
        self.mount = mount
        self.path_template = path
        self.key = key

    def path(self, user):
        return fill(self.path_template, user).strip("/")

    def where(self, user):
        return "Vault KV %s/%s (key %s)" % (self.mount, self.path(user), self.key)

    def _data(self, user):
        data, version = self.client.kv2_read(self.mount, self.path(user))
        return dict(data or {}), version

    def read(self, user):
        data, version = self._data(user)
        secret = data.get(self.key)
        return Stored(secret if isinstance(secret, str) and secret else None, version)

    def write(self, user, secret, version):
        data, current = self._data(user)
        if current != version:
            raise DestinationConflict("%s changed while this run was writing it" % self.where(user))
        data[self.key] = secret
        try:
            return self.client.kv2_write(self.mount, self.path(user), data, cas=version or 0)
        except vault_client.VaultCasError:
            raise DestinationConflict("%s changed while this run was writing it" % self.where(user))

    def remove(self, user):
        data, version = self._data(user)
        if self.key in data:
            del data[self.key]
            self.client.kv2_write(self.mount, self.path(user), data, cas=version)


def secret_name_part(user):
    """``user`` as a piece of a Kubernetes object name: [a-z0-9] stay, anything else becomes -xx- (hex)."""
    out = []
    for char in user:
        if char.isascii() and (char.isdigit() or char.islower()):
            out.append(char)
        else:
            out.append("".join("-%02x-" % byte for byte in char.encode("utf-8")))
    return "".join(out)


class KubernetesSecretDestination(object):
    """A Secret per user in one namespace; the user's name is kept in an annotation."""

    kind = "kubernetes_secret"

    def __init__(self, core_api, namespace, name="jupyterhub-token-{user}", key="token", api_exception=Exception):
        self.core = core_api
        self.namespace = namespace
        self.name_template = name
        self.key = key
        self.api_exception = api_exception

    def name(self, user):
        name = fill(self.name_template, secret_name_part(user)).strip("-.")
        if len(name) > SECRET_NAME_MAX or not _DNS_NAME.match(name):
            raise DestinationError("the Secret name %r for user %s is not a valid Kubernetes name (lower-case "
                                   "letters, digits, '-' and '.', at most %d characters): change the name template"
                                   % (name, user, SECRET_NAME_MAX))
        return name

    def where(self, user):
        return "Kubernetes Secret %s/%s (key %s)" % (self.namespace, self.name(user), self.key)

    def _call(self, user, what, func, *args, **kwargs):
        try:
            return func(*args, **kwargs)
        except Exception as exc:  # pylint: disable=broad-except  # the API's errors and urllib3's connection errors
            if not isinstance(exc, self.api_exception):
                raise DestinationError("cannot %s %s: the Kubernetes API did not answer (%s)"
                                       % (what, self.where(user), network.reason(exc)))
            status = getattr(exc, "status", None)
            if status in (404, 409):
                raise
            reason = getattr(exc, "reason", "") or ""
            raise DestinationError("cannot %s %s: HTTP %s %s" % (what, self.where(user), status, reason))

    def _get(self, user):
        try:
            return self._call(user, "read", self.core.read_namespaced_secret, self.name(user), self.namespace)
        except self.api_exception as exc:
            if getattr(exc, "status", None) == 404:
                return None
            raise DestinationError("cannot read %s: HTTP %s" % (self.where(user), exc.status))

    def read(self, user):
        found = self._get(user)
        if found is None:
            return Stored(None, None)
        owner = (found.metadata.annotations or {}).get(USER_ANNOTATION)
        if owner not in (None, user):
            raise DestinationError("%s belongs to user %s (two names map to the same Secret name): change the name "
                                   "template" % (self.where(user), owner))
        encoded = (found.data or {}).get(self.key)
        secret = base64.b64decode(encoded).decode("utf-8").strip() if encoded else None
        return Stored(secret or None, found.metadata.resource_version)

    def write(self, user, secret, version):
        found = self._get(user)
        current = found.metadata.resource_version if found is not None else None
        if current != version:
            raise DestinationConflict("%s changed while this run was writing it" % self.where(user))
        data = dict(found.data or {}) if found is not None else {}
        data[self.key] = base64.b64encode(secret.encode("utf-8")).decode("ascii")
        body = {
            "apiVersion": "v1", "kind": "Secret", "type": "Opaque", "data": data,
            "metadata": {
                "name": self.name(user), "namespace": self.namespace,
                "labels": {"app.kubernetes.io/managed-by": MANAGED_BY},
                "annotations": {USER_ANNOTATION: user},
            },
        }
        try:
            if found is None:
                made = self._call(user, "create", self.core.create_namespaced_secret, self.namespace, body)
            else:
                body["metadata"]["resourceVersion"] = version
                made = self._call(user, "replace", self.core.replace_namespaced_secret, self.name(user),
                                  self.namespace, body)
        except self.api_exception as exc:
            raise DestinationConflict("%s changed while this run was writing it (HTTP %s)"
                                      % (self.where(user), getattr(exc, "status", None)))
        return made.metadata.resource_version

    def remove(self, user):
        try:
            self._call(user, "delete", self.core.delete_namespaced_secret, self.name(user), self.namespace)
        except self.api_exception as exc:
            if getattr(exc, "status", None) != 404:
                raise DestinationError("cannot delete %s: HTTP %s" % (self.where(user), exc.status))


def argument_spec():
    """The ``destination`` option of jupyterhub_token: exactly one kind, each a dict of its settings."""
    vault = vault_module.vault_connection_spec()
    vault.update(mount=dict(type="str", default="secret"),
                 path=dict(type="str", default="jupyterhub/user-tokens/{user}"),
                 key=dict(type="str", default="token", no_log=False))
    kinds = dict(
        file=dict(type="dict", options=dict(directory=dict(type="path", required=True),
                                            file_name=dict(type="str", default="{user}.token"))),
        vault_kv=dict(type="dict", options=vault),
        kubernetes_secret=dict(type="dict", no_log=False, options=dict(
            namespace=dict(type="str", required=True),
            name=dict(type="str", default="jupyterhub-token-{user}"),
            key=dict(type="str", default="token", no_log=False),
            kubeconfig=dict(type="path", fallback=(env_fallback, ["K8S_AUTH_KUBECONFIG", "KUBECONFIG"])),
            context=dict(type="str", fallback=(env_fallback, ["K8S_AUTH_CONTEXT"])),
        )),
    )
    return dict(type="dict", options=kinds, mutually_exclusive=[tuple(kinds)], required_one_of=[tuple(kinds)])


def build(options, batch):
    """(destination, secrets to mask) for the ``destination`` option; DestinationError when unusable."""
    if options.get("file"):
        settings = options["file"]
        problem = template_problem("destination.file.file_name", settings["file_name"], batch)
        if problem or "/" in fill(settings["file_name"], "x"):
            raise DestinationError(problem or "destination.file.file_name must be a file name, without '/'")
        return FileDestination(settings["directory"], settings["file_name"]), []
    if options.get("vault_kv"):
        return _vault(options["vault_kv"], batch)
    return _kubernetes(options["kubernetes_secret"], batch), []


def _vault(settings, batch):
    problem = template_problem("destination.vault_kv.path", settings["path"], batch)
    if problem:
        raise DestinationError(problem)
    secrets = []
    try:
        client = vault_module.open_vault(settings, secrets.append)
        client.require_kv2(settings["mount"])
    except vault_client.VaultClientError as exc:
        raise DestinationError("destination.vault_kv: %s" % vault_explain(exc))
    return VaultKVDestination(VaultErrors(client), settings["mount"], settings["path"], settings["key"]), secrets


def vault_explain(exc):
    """A Vault client error with the hint that names the options of destination.vault_kv."""
    return connected_module.explain(exc, vault_module.HINTS, "destination.vault_kv.")


class VaultErrors(object):
    """The Vault client with its errors turned into DestinationError (check-and-set errors pass through)."""

    def __init__(self, client):
        self.client = client
        self.token = client.token

    def kv2_read(self, mount, path):
        return self._call(self.client.kv2_read, mount, path)

    def kv2_write(self, mount, path, data, cas=None):
        return self._call(self.client.kv2_write, mount, path, data, cas=cas)

    def _call(self, func, *args, **kwargs):
        try:
            return func(*args, **kwargs)
        except vault_client.VaultClientError as exc:
            if exc.kind == "cas":
                raise
            raise DestinationError("Vault: %s" % vault_explain(exc))


def config_problem(exc, config_exception):
    """What is wrong with the Kubernetes configuration, in the loader's words (its first line) or the file's."""
    if isinstance(exc, config_exception):
        return str(exc).strip().splitlines()[0][:200] if str(exc).strip() else "invalid configuration"
    if isinstance(exc, EnvironmentError):
        return "%s: %s" % (exc.filename or "the configuration file", exc.strerror or "cannot be read")
    return "the Kubernetes client could not read it"


def _kubernetes(settings, batch):
    problem = template_problem("destination.kubernetes_secret.name", settings["name"], batch)
    if problem:
        raise DestinationError(problem)
    try:
        from kubernetes import client as k8s_client, config as k8s_config
        from kubernetes.client.rest import ApiException
        from kubernetes.config import ConfigException
    except ImportError:
        raise DestinationError("destination.kubernetes_secret needs the kubernetes Python library on the host that "
                               "runs the module (pip install kubernetes)")
    try:
        if settings["kubeconfig"] or settings["context"] or not os.environ.get("KUBERNETES_SERVICE_HOST"):
            api = k8s_config.new_client_from_config(config_file=settings["kubeconfig"], context=settings["context"])
        else:
            k8s_config.load_incluster_config()
            api = k8s_client.ApiClient()
    except Exception as exc:  # pylint: disable=broad-except  # the config loaders raise many kinds
        raise DestinationError("destination.kubernetes_secret: cannot load the Kubernetes configuration (%s): set "
                               "kubeconfig and context, or run in a pod with a service account"
                               % config_problem(exc, ConfigException))
    return KubernetesSecretDestination(k8s_client.CoreV1Api(api), settings["namespace"], settings["name"],
                                       settings["key"], api_exception=ApiException)

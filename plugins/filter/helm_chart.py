# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Where a Helm chart comes from: a chart repository, a local directory or archive, or an OCI registry."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

from ansible.errors import AnsibleFilterError

LOCAL_PREFIXES = ("/", "./", "../", "~")
ARCHIVE_SUFFIXES = (".tgz", ".tar.gz")


def helm_chart(ref, repo_url="", version=""):
    """Arguments for kubernetes.core.helm and a Flux source for ``ref``.

    ``oci://registry/path/chart`` is pulled from a registry; a path (``/``, ``./``, ``../``,
    ``~``, or a ``.tgz``) is a chart directory or archive on the control node, whose own
    Chart.yaml gives the version; any other name is a chart in ``repo_url`` (or, without
    one, a ``repo/chart`` of ``helm repo add``).
    """
    if not isinstance(ref, str) or not ref.strip():
        raise AnsibleFilterError("helm_chart: the chart reference must be a non-empty string, got %r" % (ref,))
    ref = ref.strip()
    repo_url = (repo_url or "").strip()
    version = str(version or "").strip()
    if ref.startswith("oci://"):
        url, dummy, name = ref.rstrip("/").rpartition("/")
        if url == "oci:/" or not name:
            raise AnsibleFilterError("helm_chart: %r is not oci://<registry>/<path>/<chart>" % ref)
        return {"kind": "oci", "chart_ref": ref, "chart_repo_url": None, "chart_version": version or None,
                "name": name, "flux": {"type": "oci", "url": url, "chart": name}}
    if ref.startswith(LOCAL_PREFIXES) or ref.endswith(ARCHIVE_SUFFIXES):
        path = os.path.expanduser(ref)
        name = os.path.basename(path.rstrip("/"))
        for suffix in ARCHIVE_SUFFIXES:
            if name.endswith(suffix):
                name = name[:-len(suffix)]
        return {"kind": "local", "chart_ref": path, "chart_repo_url": None, "chart_version": None,
                "name": name, "flux": None}
    if repo_url:
        if "/" in ref:
            raise AnsibleFilterError(
                "helm_chart: %r looks like <repo>/<chart>; with a repository URL (%s) give the chart name only"
                % (ref, repo_url))
        return {"kind": "repo", "chart_ref": ref, "chart_repo_url": repo_url, "chart_version": version or None,
                "name": ref, "flux": {"type": "default", "url": repo_url, "chart": ref}}
    if "/" not in ref:
        raise AnsibleFilterError(
            "helm_chart: %r needs a repository: set the chart repository URL, use <repo>/<chart> of a "
            "`helm repo add`ed repository, an oci:// reference or a local path" % ref)
    return {"kind": "repo", "chart_ref": ref, "chart_repo_url": None, "chart_version": version or None,
            "name": ref.split("/", 1)[1], "flux": None}


class FilterModule(object):
    def filters(self):
        return {"helm_chart": helm_chart}

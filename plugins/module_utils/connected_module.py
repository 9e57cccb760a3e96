# -*- coding: utf-8 -*-
# Copyright: (c) 2026, datastack platform engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The shape every module of this collection shares: an AnsibleModule for one server.

The server's connection options are merged into the module's own argument_spec, ``connect()``
builds the wire client once, and ``explain()`` turns a client error (which names no module option)
into a message that says which option to change. ``JupyterHubModule`` and ``VaultModule`` are the
two bases built on it; each module then holds only its own options, a pure planner and the calls
that carry out the plan.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.module_utils.basic import AnsibleModule


def explain(error, hints, prefix=""):
    """``error.message`` with the hint for ``error.kind``; ``prefix`` goes before the option names in the
    hint (``destination.vault_kv.`` when the options are those of a dict option)."""
    hint = hints.get(error.kind)
    if not hint:
        return error.message
    return "%s. %s" % (error.message.rstrip("."), hint.replace("{prefix}", prefix))


class ConnectedModule(AnsibleModule):
    """Subclasses set ``HINTS`` ({error kind: hint naming options}) and implement ``open_client()``."""

    HINTS = {}
    client = None  # set by connect(); None also while AnsibleModule checks the options

    def __init__(self, connection_spec, argument_spec=None, **kwargs):
        spec = dict(connection_spec)
        spec.update(argument_spec or {})
        super(ConnectedModule, self).__init__(argument_spec=spec, **kwargs)

    def open_client(self):
        """Check the connection options and return a new client; fail the task when that is impossible."""
        raise NotImplementedError

    def connect(self):
        """The client, built on the first call only."""
        if self.client is None:
            self.client = self.open_client()
        return self.client

    def explain(self, error, prefix=""):
        return explain(error, self.HINTS, prefix)

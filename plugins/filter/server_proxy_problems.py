# -*- coding: utf-8 -*-
# Copyright: (c) 2026, datastack platform engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import importlib.util
import os

from ansible.errors import AnsibleFilterError

# The rules live once, in the Jupyter settings file that every single-user server loads (the collection's
# runtime package), so a declaration Ansible accepts is one the servers accept.
RUNTIME_SETTINGS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "runtime",
                                "datastack_runtime", "jupyter", "jupyter_server_config.py")


def _runtime_settings():
    spec = importlib.util.spec_from_file_location("datastack_runtime_jupyter_server_config", RUNTIME_SETTINGS)
    if spec is None or not os.path.isfile(RUNTIME_SETTINGS):
        raise AnsibleFilterError("server_proxy_problems: the collection's runtime file %s is missing"
                                 % RUNTIME_SETTINGS)
    settings = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(settings)
    return settings


def server_proxy_problems(services):
    """What is wrong with a list of declared dual-mode services; empty when nothing is."""
    return _runtime_settings().declared_servers(services)[1]


class FilterModule(object):
    def filters(self):
        return {"server_proxy_problems": server_proxy_problems}

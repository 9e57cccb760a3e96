# -*- coding: utf-8 -*-
# Copyright: (c) 2026, datastack platform engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleFilterError

from ansible_collections.datastack.jupyterhub.plugins.module_utils.durations import parse_duration


def duration_seconds(value):
    """Seconds in a Vault duration (3600, 90s, 1h30m, 1.5h, 24h, 7d)."""
    try:
        return parse_duration(value)
    except ValueError as exc:
        raise AnsibleFilterError("duration_seconds: %s" % exc)


class FilterModule(object):
    def filters(self):
        return {"duration_seconds": duration_seconds}

# -*- coding: utf-8 -*-
# Copyright: (c) 2026, datastack platform engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The one duration parser of this collection (standard library only).

Reads the forms Vault accepts: ``3600``, ``"3600"``, ``"90s"``, ``"1h30m"``, ``"1.5h"``, ``"24h"``,
``"7d"``. Roles use it through the ``datastack.jupyterhub.duration_seconds`` filter; code that runs in
the hub or beside it never parses durations (Vault answers in seconds).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h|d)")
_UNIT_SECONDS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_duration(value):
    """Whole seconds in a Vault duration; ValueError (saying which forms work) for anything else."""
    if isinstance(value, bool) or value is None:
        raise ValueError("not a duration: %r (use seconds or units s, m, h, d such as 90s, 1h30m, 24h, 7d)" % (value,))
    if isinstance(value, (int, float)):
        if value < 0:
            raise ValueError("a duration cannot be negative: %r" % (value,))
        return int(value)
    text = str(value).strip().lower()
    if re.match(r"\d+\Z", text):
        return int(text)
    parts = _PART.findall(text)
    if not text or "".join(number + unit for number, unit in parts) != text:
        raise ValueError("not a duration: %r (use seconds or units s, m, h, d such as 90s, 1h30m, 24h, 7d)" % (value,))
    return int(round(sum(float(number) * _UNIT_SECONDS[unit] for number, unit in parts)))

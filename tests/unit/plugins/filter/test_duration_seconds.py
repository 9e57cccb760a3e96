"""The duration_seconds filter: the one parser, and a task error for nonsense."""

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.datastack.jupyterhub.plugins.filter.duration_seconds import FilterModule


def test_filter_reads_vault_durations():
    convert = FilterModule().filters()["duration_seconds"]
    assert convert("1h30m") == 5400 and convert(60) == 60 and convert("168h") == 604800


def test_filter_refuses_nonsense():
    with pytest.raises(AnsibleFilterError, match="duration_seconds: not a duration"):
        FilterModule().filters()["duration_seconds"]("soon")

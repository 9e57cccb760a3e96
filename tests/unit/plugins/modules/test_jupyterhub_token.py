"""jupyterhub_token's own piece: the lifetime options as whole seconds."""

import pytest

from ansible_collections.datastack.jupyterhub.plugins.modules import jupyterhub_token as module


@pytest.mark.parametrize("value, expected", [(3600, 3600), ("3600", 3600), (" 60 ", 60), (60.0, 60), ("-5", -5)])
def test_seconds_accepts_whole_numbers(value, expected):
    assert module.seconds(value) == expected


@pytest.mark.parametrize("value", [True, False, "30d", "abc", 1.5, "1h", None, "--5", "1e3"])
def test_seconds_refuses_the_rest(value):
    with pytest.raises((TypeError, ValueError)):
        module.seconds(value)

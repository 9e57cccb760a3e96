"""The collection's one duration parser."""

import pytest

from ansible_collections.datastack.jupyterhub.plugins.module_utils.durations import parse_duration


@pytest.mark.parametrize("text, seconds", [
    ("24h", 86400), ("1h30m", 5400), ("90s", 90), ("3600", 3600), (3600, 3600), ("0", 0), ("0s", 0),
    ("168h", 604800), ("7d", 604800), ("2d", 172800), ("1.5h", 5400), (" 10S ", 10), ("2h0m5s", 7205),
    ("12h", 43200), ("5m", 300), (2.5, 2),
])
def test_vault_forms(text, seconds):
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "a day", "h", "-5s", "5x", "1h 30m", "1h30", True, None, -1, "24x"])
def test_nonsense_is_refused_with_the_forms_that_work(text):
    with pytest.raises(ValueError) as caught:
        parse_duration(text)
    assert "duration" in str(caught.value)

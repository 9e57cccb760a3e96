"""The one mapping of user names to the names Vault sees (entity aliases, KV paths)."""

_KEPT = frozenset("abcdefghijklmnopqrstuvwxyz0123456789")


def safe_name(username):
    """Map a user name to ``[a-z0-9-]`` without collisions.

    ``a-z`` and ``0-9`` are kept, ``-`` becomes ``--`` and every other character (upper case
    included) becomes ``-<hex code point>-``. The code is prefix-free, so the mapping is
    injective and reversible: ``alice@example.org`` -> ``alice-40-example-2e-org``.
    """
    if not isinstance(username, str) or not username:
        raise ValueError("a user name must be a non-empty string")
    out = []
    for char in username:
        if char in _KEPT:
            out.append(char)
        elif char == "-":
            out.append("--")
        else:
            out.append("-%x-" % ord(char))
    return "".join(out)


def unsafe_name(safe):
    """Inverse of :func:`safe_name` (for operators reading aliases and paths back)."""
    out, i = [], 0
    while i < len(safe):
        char = safe[i]
        if char != "-":
            out.append(char)
            i += 1
        elif safe[i + 1] == "-":
            out.append("-")
            i += 2
        else:
            end = safe.index("-", i + 1)
            out.append(chr(int(safe[i + 1:end], 16)))
            i = end + 1
    return "".join(out)

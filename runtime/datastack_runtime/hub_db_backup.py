"""Back up or restore the hub's sqlite database on its claim (a Job beside the hub; standard library only).

The z2jh role runs it in the image of the deployed hub, with the hub's claim mounted, before a chart
upgrade (backup) or when asked to restore one (restore, with the hub stopped):

    python3 -c "<this file>" backup --database /srv/jupyterhub/jupyterhub.sqlite \\
        --directory /srv/jupyterhub/backups --name jupyterhub-<time>-4.2.0-to-4.4.0.sqlite --keep 5
    python3 -c "<this file>" restore --database /srv/jupyterhub/jupyterhub.sqlite \\
        --directory /srv/jupyterhub/backups --name jupyterhub-<time>-4.2.0-to-4.4.0.sqlite

A backup goes through sqlite's online backup API, so the hub may keep writing meanwhile: the copy is
consistent, and it is checked (``PRAGMA integrity_check``) before it takes its final name. Only the
newest ``--keep`` backups are kept. A restore checks the backup first, keeps the database it replaces
beside the backups, and removes a rollback journal left by a killed hub. Each prints one JSON line.
"""

import argparse
import json
import os
import sqlite3
import sys

PREFIX = "jupyterhub-"
SUFFIX = ".sqlite"


class BackupError(Exception):
    pass


def _check(path):
    """The number of hub users in the sqlite file at ``path``; BackupError when it is not sound."""
    connection = sqlite3.connect("file:%s?mode=ro" % path, uri=True)
    try:
        result = connection.execute("PRAGMA integrity_check").fetchone()[0]
        if result != "ok":
            raise BackupError("%s failed sqlite's integrity check: %s" % (path, result))
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        return connection.execute("SELECT count(*) FROM users").fetchone()[0] if "users" in tables else 0
    except sqlite3.DatabaseError as exc:
        raise BackupError("%s is not a readable sqlite database: %s" % (path, exc)) from exc
    finally:
        connection.close()


def _copy(source, target, read_only=True, before_rename=None):
    """A consistent copy of sqlite ``source`` to ``target`` (written aside, checked, then renamed).

    ``read_only`` never writes to the source (the hub may be running); a stopped hub's database is opened
    normally, so that sqlite first rolls back what a killed hub left half-written.
    """
    partial = target + ".partial"
    if os.path.exists(partial):
        os.remove(partial)
    src = sqlite3.connect("file:%s?mode=ro" % source if read_only else "file:%s" % source, uri=True)
    dst = sqlite3.connect(partial)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()
    users = _check(partial)
    if before_rename:
        before_rename()
    os.replace(partial, target)
    return users


def backups(directory):
    """The backup files in ``directory``, oldest first (their names start with a UTC time)."""
    if not os.path.isdir(directory):
        return []
    return sorted(name for name in os.listdir(directory) if name.startswith(PREFIX) and name.endswith(SUFFIX))


def _safe_name(name):
    if os.path.basename(name) != name or not name.startswith(PREFIX) or not name.endswith(SUFFIX):
        raise BackupError("a backup name is a file name %s...%s, not %r" % (PREFIX, SUFFIX, name))
    return name


def backup(database, directory, name, keep):
    if not os.path.exists(database):
        return {"backup": None, "reason": "no database at %s yet: nothing to back up" % database}
    os.makedirs(directory, mode=0o700, exist_ok=True)
    target = os.path.join(directory, _safe_name(name))
    users = _copy(database, target)
    removed = backups(directory)[:-keep] if keep > 0 else []
    for old in removed:
        os.remove(os.path.join(directory, old))
    return {"backup": target, "bytes": os.path.getsize(target), "users": users, "removed": removed}


def restore(database, directory, name):
    source = os.path.join(directory, _safe_name(name))
    if not os.path.exists(source):
        raise BackupError("no backup %s; there are: %s" % (source, ", ".join(backups(directory)) or "none"))
    users = _check(source)
    replaced = None
    if os.path.exists(database):
        replaced = os.path.join(directory, "replaced-" + os.path.basename(source))
        _copy(database, replaced, read_only=False)
    # A journal left beside the restored file would be "rolled back" into it.
    journal = database + "-journal"
    _copy(source, database, before_rename=lambda: os.path.exists(journal) and os.remove(journal))
    return {"restored": source, "database": database, "users": users, "replaced": replaced}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("action", choices=["backup", "restore"])
    parser.add_argument("--database", required=True)
    parser.add_argument("--directory", required=True)
    parser.add_argument("--name", required=True)
    parser.add_argument("--keep", type=int, default=5)
    args = parser.parse_args(argv)
    try:
        if args.action == "backup":
            result = backup(args.database, args.directory, args.name, args.keep)
        else:
            result = restore(args.database, args.directory, args.name)
    except (BackupError, OSError, sqlite3.Error) as exc:
        print(json.dumps({"failed": str(exc)}), file=sys.stderr)
        return 1
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())

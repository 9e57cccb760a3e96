"""The hub database backup and restore, run as the Job runs it (``python3 -c <file> ...``) on databases
made by the real JupyterHub ORM."""

import json
import sqlite3
import subprocess
import sys
import threading

import pytest
from jupyterhub import orm
from sqlalchemy import create_engine

from datastack_runtime import hub_db_backup

from ..conftest import RUNTIME

# Writes a user into the database in a transaction and dies before committing it.
KILLED_WRITER = """
import os, sqlite3, sys
connection = sqlite3.connect(sys.argv[1], isolation_level=None)
connection.execute("PRAGMA cache_size = 1")
connection.execute("BEGIN")
connection.execute("INSERT INTO users (name, admin, cookie_id) VALUES ('carol', 0, 'x')")
connection.execute("UPDATE users SET admin = 1")
os._exit(9)
"""
SOURCE = (RUNTIME / "datastack_runtime" / "hub_db_backup.py").read_text()


def hub_database(path, users):
    """A database as JupyterHub makes it (current schema, alembic revision stamped), with users."""
    session = orm.new_session_factory("sqlite:///%s" % path)()
    for name in users:
        session.add(orm.User(name=name))
    session.commit()
    session.close()
    return path


def users_in(path):
    connection = sqlite3.connect(path)
    try:
        return sorted(row[0] for row in connection.execute("SELECT name FROM users"))
    finally:
        connection.close()


def job(*args):
    """The backup script as the Job runs it: its text through ``python3 -c``, outside this process."""
    proc = subprocess.run([sys.executable, "-c", SOURCE, *args], capture_output=True, text=True, timeout=60,
                          check=False)
    out = json.loads(proc.stdout or proc.stderr)
    return proc.returncode, out


def backup(srv, name, keep=5):
    return job("backup", "--database", str(srv / "jupyterhub.sqlite"), "--directory", str(srv / "backups"),
               "--name", name, "--keep", str(keep))


def restore(srv, name):
    return job("restore", "--database", str(srv / "jupyterhub.sqlite"), "--directory", str(srv / "backups"),
               "--name", name)


def test_a_backup_is_a_sound_copy_jupyterhub_opens(tmp_path):
    hub_database(tmp_path / "jupyterhub.sqlite", ["alice", "Alice.Smith@example.org", "a-b"])
    rc, out = backup(tmp_path, "jupyterhub-20261126T100000Z-4.2.0-to-4.4.0.sqlite")
    assert rc == 0, out
    copy = tmp_path / "backups" / "jupyterhub-20261126T100000Z-4.2.0-to-4.4.0.sqlite"
    assert out == {"backup": str(copy), "bytes": copy.stat().st_size, "users": 3, "removed": []}
    assert users_in(copy) == ["Alice.Smith@example.org", "a-b", "alice"]
    orm.check_db_revision(create_engine("sqlite:///%s" % copy))  # the schema JupyterHub expects
    assert not (tmp_path / "backups" / (copy.name + ".partial")).exists()
    assert oct((tmp_path / "backups").stat().st_mode & 0o777) == "0o700"


def test_only_the_newest_backups_are_kept(tmp_path):
    hub_database(tmp_path / "jupyterhub.sqlite", ["alice"])
    names = ["jupyterhub-2026112%dT100000Z-a-to-b.sqlite" % day for day in range(1, 5)]
    for name in names:
        assert backup(tmp_path, name, keep=2)[0] == 0
    assert hub_db_backup.backups(str(tmp_path / "backups")) == names[-2:]


def test_no_database_yet_is_not_an_error(tmp_path):
    rc, out = backup(tmp_path, "jupyterhub-x.sqlite")
    assert rc == 0 and out["backup"] is None and "nothing to back up" in out["reason"]


def test_a_damaged_database_fails_with_the_reason_and_leaves_no_backup(tmp_path):
    (tmp_path / "jupyterhub.sqlite").write_bytes(b"not a database" * 100)
    rc, out = backup(tmp_path, "jupyterhub-x.sqlite")
    assert rc == 1 and "file is not a database" in out["failed"], out
    assert hub_db_backup.backups(str(tmp_path / "backups")) == []


@pytest.mark.parametrize("name", ["../jupyterhub.sqlite", "jupyterhub-x.db", "other.sqlite", "a/jupyterhub-x.sqlite"])
def test_a_name_outside_the_backup_directory_is_refused(tmp_path, name):
    hub_database(tmp_path / "jupyterhub.sqlite", ["alice"])
    rc, out = backup(tmp_path, name)
    assert rc == 1 and "a backup name is a file name" in out["failed"]


def test_a_write_in_progress_is_not_in_the_backup(tmp_path):
    """The hub keeps running during the backup: what it has not committed is not copied, and nothing tears."""
    db = hub_database(tmp_path / "jupyterhub.sqlite", ["alice"])
    writer = sqlite3.connect(str(db), isolation_level=None, check_same_thread=False)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("INSERT INTO users (name, admin, cookie_id) VALUES ('bob', 0, 'c')")
    try:
        rc, out = backup(tmp_path, "jupyterhub-during.sqlite")
    finally:
        threading.Thread(target=writer.execute, args=("COMMIT",)).run()
        writer.close()
    assert rc == 0, out
    assert users_in(tmp_path / "backups" / "jupyterhub-during.sqlite") == ["alice"]
    assert users_in(db) == ["alice", "bob"]


def test_restore_puts_the_backup_back_and_keeps_what_it_replaced(tmp_path):
    db = hub_database(tmp_path / "jupyterhub.sqlite", ["alice"])
    assert backup(tmp_path, "jupyterhub-before.sqlite")[0] == 0
    hub_database(db, ["bob"])  # the upgraded hub wrote more
    # A hub killed in the middle of a transaction leaves a hot journal.
    killed = subprocess.run([sys.executable, "-c", KILLED_WRITER, str(db)], check=False, timeout=60)
    assert killed.returncode == 9 and (tmp_path / "jupyterhub.sqlite-journal").exists()
    rc, out = restore(tmp_path, "jupyterhub-before.sqlite")
    assert rc == 0, out
    assert users_in(db) == ["alice"]
    assert not (tmp_path / "jupyterhub.sqlite-journal").exists()
    assert users_in(out["replaced"]) == ["alice", "bob"]  # carol's transaction was rolled back
    assert out["users"] == 1
    orm.check_db_revision(create_engine("sqlite:///%s" % db))


def test_restore_of_a_missing_backup_lists_the_ones_there_and_changes_nothing(tmp_path):
    db = hub_database(tmp_path / "jupyterhub.sqlite", ["alice"])
    assert backup(tmp_path, "jupyterhub-one.sqlite")[0] == 0
    before = db.read_bytes()
    rc, out = restore(tmp_path, "jupyterhub-two.sqlite")
    assert rc == 1 and "jupyterhub-one.sqlite" in out["failed"]
    assert db.read_bytes() == before

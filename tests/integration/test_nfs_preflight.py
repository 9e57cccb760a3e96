"""The nfs role checks its inputs and that the server answers before it applies anything."""

import pytest

from tests.fixtures.procs import free_port

pytestmark = pytest.mark.integration


def _role_play(**variables):
    return {"hosts": "localhost", "gather_facts": False, "tasks": [
        {"name": "nfs", "ansible.builtin.include_role": {"name": "datastack.jupyterhub.nfs"}, "vars": variables}]}


def test_missing_server_fails_with_a_clear_message(ansible):
    result = ansible.playbook([_role_play(nfs_path="/export")], json_output=False)
    assert result.rc != 0
    assert "set nfs_server and nfs_path" in result.output


def test_relative_path_is_refused(ansible):
    result = ansible.playbook([_role_play(nfs_server="10.0.0.5", nfs_path="export")], json_output=False)
    assert result.rc != 0 and "absolute export path" in result.output


def test_an_unreachable_server_stops_before_anything_is_applied(ansible):
    port = free_port()  # nothing listens there
    result = ansible.playbook([_role_play(nfs_server="127.0.0.1", nfs_path="/export", nfs_check_port=port,
                                          nfs_check_timeout=1)], json_output=False)
    assert result.rc != 0
    assert "Check that the NFS server answers" in result.output
    assert "Timeout when waiting for 127.0.0.1:%d" % port in result.output
    assert "Apply the volume and claim" not in result.output


def test_render_mode_does_not_contact_the_server(ansible, tmp_path):
    port = free_port()  # nothing listens there
    result = ansible.playbook([_role_play(nfs_server="127.0.0.1", nfs_path="/export", nfs_check_port=port,
                                          nfs_render_dir=str(tmp_path))], json_output=False)
    assert result.rc == 0, result
    assert sorted(p.name for p in (tmp_path / "nfs").iterdir()) == [
        "persistentvolume-jupyter-nfs-pv.yaml", "persistentvolumeclaim-jupyter-nfs-pvc.yaml"]

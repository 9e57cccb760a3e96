"""nvidia_gpu_detected from the nodes' allocatable resources (the fact the z2jh role uses)."""

import pytest

pytestmark = pytest.mark.integration


def _node(allocatable):
    node = {"metadata": {"name": "n"}, "status": {}}
    if allocatable is not None:
        node["status"]["allocatable"] = allocatable
    return node


@pytest.mark.parametrize("nodes, detected", [
    ([_node({"cpu": "8", "memory": "32Gi"})], False),
    ([_node({"cpu": "8", "nvidia.com/gpu": "0"})], False),
    ([_node({"cpu": "8"}), _node({"cpu": "8", "nvidia.com/gpu": "2"})], True),
    ([_node(None), _node({"nvidia.com/gpu": "1"})], True),
    ([], False),
])
def test_gpu_fact(ansible, nodes, detected):
    play = {"hosts": "localhost", "gather_facts": False, "tasks": [
        {"name": "fact",
         "ansible.builtin.include_role": {"name": "datastack.jupyterhub.nvidia", "tasks_from": "gpu_fact.yml"},
         "vars": {"_nvidia_nodes": {"resources": nodes}}},
        {"name": "show", "ansible.builtin.debug": {"var": "nvidia_gpu_detected"}}]}
    result = ansible.playbook([play])
    assert result.rc == 0, result
    assert result.task("show")["nvidia_gpu_detected"] is detected

"""Issue 11, item 3: a secret that reaches vault_renewable_token from any source never shows at -vvvv.

Sources: the option, VAULT_TOKEN from the environment, module_defaults, a token file, an approle
secret id (option and environment). Each run creates and stores a token, renews or fails on purpose, and
the whole -vvvv output (invocation, results, diff, errors) is grepped for every secret involved.
"""

import uuid

import pytest

from tests.fixtures.openbao import write_policies

pytestmark = pytest.mark.integration

MODULE = "datastack.jupyterhub.vault_renewable_token"

MAKER_POLICY = '''
path "secret/data/masked-*" { capabilities = ["create", "read", "update"] }
path "sys/internal/ui/mounts/*" { capabilities = ["read"] }
path "sys/policies/acl/*" { capabilities = ["read"] }
path "auth/token/create-orphan" { capabilities = ["update", "sudo"] }
'''


@pytest.fixture(scope="module", autouse=True)
def policies(openbao):
    write_policies(openbao, "jupyterhub-admin")


@pytest.fixture(scope="module")
def approle(openbao):
    client = openbao.client()
    mount = "approle-" + uuid.uuid4().hex[:8]
    client.sys.enable_auth_method("approle", path=mount)
    client.write("sys/policies/acl/masked-maker", policy=MAKER_POLICY)
    client.write("auth/%s/role/ansible" % mount, token_policies=["masked-maker"], token_ttl="10m")
    role_id = client.read("auth/%s/role/ansible/role-id" % mount)["data"]["role_id"]
    return mount, role_id, lambda: client.write("auth/%s/role/ansible/secret-id" % mount)["data"]["secret_id"]


def play(args, module_defaults=None, fail=False):
    path = "masked-" + uuid.uuid4().hex[:10]
    own = dict(policies=["jupyterhub-admin"], store_path=path, ttl="60s")
    tasks = [{"name": "create", MODULE: dict(own, **args)},
             {"name": "rotate", MODULE: dict(own, state="rotated", **args), "register": "rotated"},
             {"name": "show", "ansible.builtin.debug": {"var": "rotated"}}]
    if fail:
        tasks.append({"name": "fail", MODULE: dict(own, store_mount="no-such-mount", **args),
                      "ignore_errors": True})
    body = {"hosts": "localhost", "gather_facts": False, "tasks": tasks}
    if module_defaults:
        body["module_defaults"] = {"group/datastack.jupyterhub.vault": module_defaults}
    return body, path


def run_and_grep(ansible, openbao, body, path, secrets, env=None):
    # ansible-core < 2.21 always puts the module's arguments in the result; 2.21 does when asked.
    env = dict(env or {}, ANSIBLE_INJECT_INVOCATION="1")
    result = ansible.playbook([body], verbosity=4, diff=True, json_output=False, env=env)
    assert result.rc == 0, result
    assert "invocation" in result.output and "module_args" in result.output  # -vvvv did print arguments
    token = openbao.kv(path)["token"]
    for secret in list(secrets) + [token]:
        assert secret not in result.output, "a secret is printed at -vvvv"
    return result


def test_token_option(ansible, openbao):
    body, path = play(dict(url=openbao.addr, token=openbao.root_token), fail=True)
    run_and_grep(ansible, openbao, body, path, [openbao.root_token])


def test_token_from_vault_token_environment(ansible, openbao):
    body, path = play({}, fail=True)
    run_and_grep(ansible, openbao, body, path, [openbao.root_token],
                 env={"VAULT_ADDR": openbao.addr, "VAULT_TOKEN": openbao.root_token})


def test_token_from_module_defaults(ansible, openbao):
    body, path = play({}, module_defaults=dict(url=openbao.addr, token=openbao.root_token), fail=True)
    run_and_grep(ansible, openbao, body, path, [openbao.root_token])


def test_token_from_a_token_file(ansible, openbao, tmp_path):
    token_file = tmp_path / "vault-token"
    token_file.write_text(openbao.root_token + "\n")
    body, path = play(dict(url=openbao.addr, token_file=str(token_file)), fail=True)
    run_and_grep(ansible, openbao, body, path, [openbao.root_token])


@pytest.mark.parametrize("source", ["option", "environment"])
def test_approle_secret_id(ansible, openbao, approle, source):
    mount, role_id, new_secret_id = approle
    secret_id = new_secret_id()
    args = dict(url=openbao.addr, auth_method="approle", mount_point=mount, role_id=role_id)
    env = None
    if source == "option":
        args["secret_id"] = secret_id
    else:
        env = {"VAULT_SECRET_ID": secret_id}
    body, path = play(args, fail=True)
    run_and_grep(ansible, openbao, body, path, [secret_id], env=env)

"""vault_renewable_token's decisions, without Vault."""

import pytest

from ansible_collections.datastack.jupyterhub.plugins.module_utils import vault_token_plan as plan

NOW = 1_800_000_000


def spec(**kwargs):
    params = dict(policies=["jupyterhub-admin"], ttl="24h", period=None, explicit_max_ttl=None, renew_threshold=None,
                  role_name=None, no_default_policy=False, store_path="jupyterhub/vault-token")
    params.update(kwargs)
    return plan.spec_from(params)


def live(**kwargs):
    data = dict(policies=["default", "jupyterhub-admin"], period=86400, explicit_max_ttl=0, ttl=80000,
                creation_ttl=86400, creation_time=NOW - 6400, renewable=True, accessor="acc")
    data.update(kwargs)
    return data


RECORD = {"token": "s.x", "accessor": "acc", "created_time": "2027-01-01T00:00:00Z"}


def seen(record, token, mount_max=None):
    return plan.Seen(record=record, version=3, live=token, now=NOW, mount_max=mount_max)


def test_periodic_by_default_and_policies_sent_explicitly():
    wanted = spec()
    assert wanted.period == 86400 and wanted.explicit_max_ttl == 0
    assert wanted.create_body() == {"policies": ["jupyterhub-admin"], "no_default_policy": False, "ttl": "86400s",
                                    "renewable": True, "period": "86400s"}
    assert spec(period="0").period == 0
    assert spec(policies=["B", "a", "a"]).policies == ["a", "b"]
    assert spec(role_name="r").create_body().get("period") is None


@pytest.mark.parametrize("policies, no_default, wanted", [
    (["default"], False, ["default"]),
    (["p"], True, ["p"]),
    (["p"], False, ["default", "p"]),
])
def test_wanted_policies(policies, no_default, wanted):
    assert spec(policies=policies, no_default_policy=no_default).wanted_policies() == wanted


@pytest.mark.parametrize("kwargs, words", [
    (dict(policies=[]), "without any policy"),
    (dict(policies=["default"], no_default_policy=True), "without any policy"),
    (dict(policies=["default", "p"], no_default_policy=True), "choose one"),
    (dict(policies=None), "policies is required"),
    (dict(policies=None, role_name="r"), "also with role_name"),
    (dict(policies=None, role_name="r", state="rotated"), "the token role's allowed policies"),
    (dict(store_path="../../sys/policies/acl/evil"), "'..' segment"),
    (dict(store_path="/abs"), "starts with '/'"),
    (dict(store_path=""), "store_path is empty"),
    (dict(ttl="0"), "ttl must be more than 0"),
    (dict(renew_threshold="24h"), "every run would renew"),
    (dict(explicit_max_ttl="1h"), "every lease would be cut short"),
    (dict(period="0", ttl="2h", explicit_max_ttl="1h"), "shorter than the ttl"),
])
def test_problems(kwargs, words):
    found = plan.problems(spec(**kwargs))
    assert any(words in problem for problem in found), found


def test_no_problems_for_sane_requests_and_absent_checks_only_paths():
    assert plan.problems(spec()) == []
    assert plan.problems(spec(renew_threshold="1h", explicit_max_ttl="48h")) == []
    assert plan.problems(spec(role_name="r", policies=["p"], state="rotated")) == []
    assert plan.problems(spec(policies=[], state="absent")) == []
    assert plan.problems(spec(store_path="a/../b", state="absent"))


def test_threshold_above_the_mount_max_is_refused():
    found = plan.problems(spec(ttl="2000h", renew_threshold="800h"), mount_max=2764800)
    assert any("max_lease_ttl" in problem for problem in found)


@pytest.mark.parametrize("record, token, kwargs, action, words", [
    (RECORD, live(), {}, "none", ""),
    ({}, None, {}, "create", "no token stored"),
    (RECORD, None, {}, "create", "invalid"),
    (RECORD, live(), dict(state="rotated"), "create", "rotation"),
    (RECORD, live(policies=["default", "other"]), {}, "create", "policies"),
    (RECORD, live(policies=["jupyterhub-admin"]), {}, "create", "policies"),
    (RECORD, live(period=0), {}, "create", "period"),
    (RECORD, live(explicit_max_ttl=60), {}, "create", "explicit_max_ttl"),
    (RECORD, live(ttl=40000), {}, "renew", "below the threshold 43200"),
    (RECORD, live(renewable=False), {}, "refuse", "state=rotated"),
    (dict(RECORD, accessor="old"), live(), {}, "record", "metadata"),
])
def test_decide(record, token, kwargs, action, words):
    decision = plan.decide(spec(**kwargs), seen(record, token))
    assert decision.action == action and words in decision.reason


def test_no_default_policy_drift_and_role_tokens():
    assert plan.decide(spec(no_default_policy=True), seen(RECORD, live())).action == "create"
    assert plan.decide(spec(no_default_policy=True), seen(RECORD, live(policies=["jupyterhub-admin"]))).action == "none"
    # Through a token role the role decides period and cap: only policies count.
    role_token = live(period=0, ttl=80000, creation_ttl=86400)
    assert plan.decide(spec(role_name="r"), seen(RECORD, role_token)).action == "none"


def test_a_token_near_its_end_of_life_is_replaced_not_renewed_every_run():
    near = live(period=0, explicit_max_ttl=7200, creation_ttl=3600, ttl=1000, creation_time=NOW - 6500)
    decision = plan.decide(spec(period="0", ttl="1h", explicit_max_ttl="2h"), seen(RECORD, near))
    assert decision.action == "create" and "maximum lifetime" in decision.reason


def test_default_threshold_is_half_the_lease_really_granted():
    capped = live(period=7200000, creation_ttl=2764800, ttl=2764000)
    assert plan.threshold(spec(ttl="2000h"), capped) == 1382400


def test_new_record_keeps_other_keys():
    record = plan.new_record({"owner": "team", "token": "old"}, spec(), "new", live(creation_time=0))
    assert record == {"owner": "team", "token": "new", "accessor": "acc", "created_time": "1970-01-01T00:00:00Z"}


def test_max_expire_and_describe_hold_no_token():
    assert plan.max_expire(dict(creation_time=1000, period=60, explicit_max_ttl=0), 2764800) is None
    assert plan.max_expire(dict(creation_time=1000, period=0, explicit_max_ttl=0), 2764800) == 1000 + 2764800
    assert plan.max_expire(dict(creation_time=1000, period=0, explicit_max_ttl=50), 2764800) == 1050
    assert plan.max_expire(dict(creation_time=1000, period=60, explicit_max_ttl=500), 20) == 1500
    described = plan.describe(dict(live(), id="s.secret"), None, "secret/x", NOW)
    assert "s.secret" not in repr(described) and described["accessor"] == "acc"


def test_bad_duration_names_the_option():
    with pytest.raises(ValueError, match="renew_threshold"):
        spec(renew_threshold="soon")


def test_absent_removes_a_record_and_nothing_else():
    removal = plan.decide(spec(state="absent"), seen(RECORD, live()))
    assert removal.action == "remove" and "secret/jupyterhub/vault-token" in removal.reason
    assert plan.decide(spec(state="absent"), seen(RECORD, None)).action == "remove"
    assert plan.decide(spec(state="absent"), seen({}, None)).action == "none"


def test_a_renewal_rewrites_the_record_only_when_it_is_stale():
    assert not plan.decide(spec(), seen(RECORD, live(ttl=40000))).rewrite_record
    stale = plan.decide(spec(), seen(dict(RECORD, accessor="old"), live(ttl=40000)))
    assert stale.action == "renew" and stale.rewrite_record
    assert plan.decide(spec(), seen(dict(RECORD, accessor="old"), live())).rewrite_record
    assert not plan.decide(spec(state="rotated"), seen(dict(RECORD, accessor="old"), live())).rewrite_record


def test_how_a_token_is_renewed():
    assert plan.renew_increment(spec(), live()) is None  # periodic: Vault gives it its period
    assert plan.renew_increment(spec(period="0", ttl="2h"), live(period=0)) == "7200s"
    assert plan.renewed(spec(period="0", ttl="2h"), live(period=0, ttl=10))["ttl"] == 7200
    assert plan.renewed(spec(), live(ttl=10))["ttl"] == 86400


def test_a_warning_only_for_a_renewable_token_the_mount_will_end():
    assert plan.mount_cap_warning(spec(), live(), 2764800, NOW) is None
    assert plan.mount_cap_warning(spec(period="0", explicit_max_ttl="48h"), live(), 2764800, NOW) is None
    assert plan.mount_cap_warning(spec(period="0", role_name="r"), live(), 2764800, NOW) is None
    warning = plan.mount_cap_warning(spec(period="0"), None, 2764800, NOW)
    assert "NOT unlimited" in warning and "2764800s" in warning and plan.iso_time(NOW + 2764800) in warning
    assert "unknown" in plan.mount_cap_warning(spec(period="0"), live(period=0), None, NOW)


def test_spec_from_the_options_keeps_the_state():
    assert spec().state == "present" and spec(state="rotated").state == "rotated"


def test_a_new_token_must_carry_exactly_the_wanted_policies():
    assert plan.unexpected_policies(spec(), live()) is None
    assert plan.unexpected_policies(spec(no_default_policy=True), live(policies=["jupyterhub-admin"])) is None
    wider = plan.unexpected_policies(spec(), live(policies=["root"]))
    assert "['root']" in wider and "revoked" in wider and "no_default_policy" not in wider
    # A token role that drops default: say which option matches it.
    dropped = plan.unexpected_policies(spec(role_name="r"), live(policies=["jupyterhub-admin"]))
    assert "token role r" in dropped and "set no_default_policy to true" in dropped

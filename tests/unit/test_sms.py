"""The code message and the `sms:` section of contest.yaml: one GSM-7 part, strict keys."""

from __future__ import annotations

import json

import pytest

from contest.content.loader import ContentError, parse_contest, read_yaml
from contest.rules.sms import GSM7_PART_SEPTETS, code_text, gsm7_septets, template_problems
from tests.support import CONTENT as TEST_CONTENT
from tests.support import apply_changes


def contest_with(**sms: object) -> dict:
    raw = json.loads(json.dumps(read_yaml(TEST_CONTENT / "contest.yaml"), default=str))
    apply_changes(raw, {f"sms.{k}": v for k, v in sms.items()})
    return raw


def test_the_shipped_template_makes_one_gsm7_part_for_every_purpose():
    template = parse_contest(contest_with()).sms.template
    for purpose in ("verify", "reset", "award", "reclaim"):
        text = code_text(template, "123456", 5, purpose)
        septets = gsm7_septets(text)
        assert septets is not None and septets <= GSM7_PART_SEPTETS, text
        assert "123456" in text


def test_diacritics_are_not_gsm7_and_extension_characters_count_twice():
    assert gsm7_septets("Mã xác thực") is None  # UCS-2: 70 characters a part
    assert gsm7_septets("Ma xac thuc") == 11
    assert gsm7_septets("[x]") == 5  # "[" and "]" take an escape septet each


@pytest.mark.parametrize(
    "template, problem",
    [
        ("Mã của bạn: {code}", "GSM 7-bit"),
        ("Ma cua ban la gi", "{code}"),
        ("Ma {code} cho {name}", "chỗ điền không được hỗ trợ"),
        ("Ma {code} " + "x" * 155, "một tin SMS chỉ chứa"),
    ],
)
def test_a_template_that_would_not_fit_one_gsm7_part_is_refused(template, problem):
    assert any(problem in p for p in template_problems(template))
    with pytest.raises(ContentError, match=r"sms\.template"):
        parse_contest(contest_with(template=template))


def test_unknown_or_out_of_range_sms_keys_are_refused():
    with pytest.raises(ContentError, match=r"khóa 'sms\.per_adress_per_hour' không được hỗ trợ"):
        parse_contest(contest_with(per_adress_per_hour=5))
    with pytest.raises(ContentError, match=r"khóa 'sms\.proof_of_work\.difficulty' không được hỗ trợ"):
        parse_contest(contest_with(proof_of_work={"difficulty": 5}))
    with pytest.raises(ContentError, match="breaker_fraction"):
        parse_contest(contest_with(breaker_fraction=1.0))
    with pytest.raises(ContentError, match="global_per_hour"):
        parse_contest(contest_with(global_per_hour=0))


def test_the_breaker_cap_is_limit_times_fraction_over_price():
    sms = parse_contest(contest_with(monthly_spend_limit_usd=50, breaker_fraction=0.5, price_per_message_usd=0.06)).sms
    assert sms.monthly_message_cap == 416


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"proof_of_work": {"cost": 0}}, r"'sms\.proof_of_work\.cost' phải từ 1 đến 1000000"),
        ({"proof_of_work": {"max_counter": 1}}, r"'sms\.proof_of_work\.max_counter' phải từ 2 đến 10000000"),
        ({"proof_of_work": {"expires_minutes": 31}}, r"'sms\.proof_of_work\.expires_minutes' phải từ 1 đến 30"),
        ({"per_address_per_hour": 100_001}, r"'sms\.per_address_per_hour' phải từ 1 đến 100000"),
        ({"global_per_hour": 0}, r"'sms\.global_per_hour' phải từ 1 đến 10000000"),
        ({"global_shards": 65}, r"'sms\.global_shards' phải từ 1 đến 64"),
        ({"global_shards": 8, "global_per_hour": 4}, r"'sms\.global_shards' không được lớn hơn"),
        ({"monthly_spend_limit_usd": 0}, r"'sms\.monthly_spend_limit_usd' phải lớn hơn 0 và không quá 10000000"),
        ({"breaker_fraction": 0.95}, r"'sms\.breaker_fraction' phải lớn hơn 0 và không quá 0\.9"),
        ({"price_per_message_usd": 11}, r"'sms\.price_per_message_usd' phải lớn hơn 0 và không quá 10"),
        ({"contest_name": "Cuộc thi"}, r"'sms\.contest_name' chỉ được dùng bảng chữ GSM 7-bit"),
        ({"contest_name": "X" * 41}, r"'sms\.contest_name' dài tối đa 40 ký tự"),
    ],
)
def test_each_sms_limit_is_checked_against_its_own_bounds(changes, message):
    with pytest.raises(ContentError, match=message):
        parse_contest(contest_with(**changes))


def test_the_sms_limits_are_read_into_the_policy_with_minutes_as_seconds():
    policy = parse_contest(
        contest_with(
            proof_of_work={"cost": 7, "max_counter": 99, "expires_minutes": 3},
            per_address_per_hour=5,
            global_per_hour=500,
            global_shards=4,
            contest_name="Cuoc thi",
            template="{contest}: ma {code}",
        )
    ).sms
    assert (policy.pow_cost, policy.pow_max_counter, policy.pow_expires_seconds) == (7, 99, 180)
    assert (policy.per_address_per_hour, policy.global_per_hour, policy.global_shards) == (5, 500, 4)
    assert policy.contest_name == "Cuoc thi" and policy.template == "Cuoc thi: ma {code}"

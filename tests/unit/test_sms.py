"""The code message and the `sms:` section of contest.yaml: one GSM-7 part, strict keys."""

from __future__ import annotations

import json

import pytest

from contest.content import ContentError, parse_contest, read_yaml
from contest.sms import GSM7_PART_SEPTETS, code_text, gsm7_septets, template_problems
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

"""Consent per purpose: the pure rules and their contest.yaml section."""

from __future__ import annotations

from pathlib import Path

import pytest

from contest.content.loader import ContentError, load_content, parse_contest, read_yaml
from contest.rules import consents, errors
from contest.rules.model import ConsentPurpose

ROOT = Path(__file__).resolve().parents[2]
PURPOSES = (
    ConsentPurpose("participation", "Tham gia", "…", True),
    ConsentPurpose("coordinator", "Người phụ trách", "…", False),
    ConsentPurpose("statistics", "Thống kê", "…", False),
)


def test_registration_takes_the_ticked_purposes_in_the_contests_order():
    given = consents.accepted(PURPOSES, {"statistics": True, "participation": True, "coordinator": False})
    assert given == ("participation", "statistics")


@pytest.mark.parametrize("boxes", [{}, {"participation": False}, {"coordinator": True}, {"participation": 1}])
def test_a_required_purpose_must_be_ticked(boxes):
    with pytest.raises(errors.ConsentRequired) as caught:
        consents.accepted(PURPOSES, boxes)
    assert caught.value.extra["purpose"] == "participation" and "«Tham gia»" in caught.value.message


def test_an_unknown_purpose_is_refused():
    with pytest.raises(errors.UnknownConsentPurpose):
        consents.accepted(PURPOSES, {"participation": True, "marketing": True})


def test_silence_is_not_consent_and_the_older_single_box_covers_the_required_purposes_only():
    with pytest.raises(errors.ConsentRequired):
        consents.accepted(PURPOSES, None, None)
    with pytest.raises(errors.ConsentRequired):
        consents.accepted(PURPOSES, None, False)
    assert consents.accepted(PURPOSES, None, True) == ("participation",)


def test_an_old_account_s_single_consent_stands_for_the_required_purposes():
    record = consents.of_account(None, PURPOSES, "2023-10-12", 1_000)
    assert record == {"participation": {"version": "2023-10-12", "given_at_ms": 1_000, "withdrawn_at_ms": None}}
    assert not consents.allows(record, "coordinator")


def test_withdrawing_an_optional_purpose_keeps_when_it_was_given_and_a_retry_changes_nothing():
    record = consents.record(("participation", "coordinator"), "v2", 1_000)
    withdrawn = consents.withdraw(PURPOSES, record, "coordinator", 5_000)
    assert withdrawn is not None and withdrawn["coordinator"] == {
        "version": "v2",
        "given_at_ms": 1_000,
        "withdrawn_at_ms": 5_000,
    }
    assert record["coordinator"]["withdrawn_at_ms"] is None  # the input is not changed
    assert consents.withdraw(PURPOSES, withdrawn, "coordinator", 9_000) is None
    assert consents.withdraw(PURPOSES, record, "statistics", 9_000) is None  # never given


def test_a_required_purpose_cannot_be_withdrawn_and_the_refusal_points_to_erasure():
    record = consents.record(("participation",), "v2", 1_000)
    with pytest.raises(errors.RequiredConsent) as caught:
        consents.withdraw(PURPOSES, record, "participation", 2_000)
    assert caught.value.status == 409 and "xóa dữ liệu" in caught.value.message


def test_giving_again_records_the_new_version_and_time():
    record = consents.withdraw(PURPOSES, consents.record(("participation", "coordinator"), "v1", 1), "coordinator", 2)
    assert record is not None
    again = consents.give(PURPOSES, record, "coordinator", "v2", 3)
    assert again is not None and again["coordinator"] == {"version": "v2", "given_at_ms": 3, "withdrawn_at_ms": None}
    assert consents.give(PURPOSES, again, "coordinator", "v3", 4) is None
    with pytest.raises(errors.UnknownConsentPurpose):
        consents.give(PURPOSES, again, "marketing", "v3", 4)


def test_the_coordinator_sees_a_name_only_with_that_consent_unless_the_contest_has_no_such_purpose():
    assert consents.unit_visible(PURPOSES, consents.record(("participation", "coordinator"), "v", 1))
    assert not consents.unit_visible(PURPOSES, consents.record(("participation",), "v", 1))
    assert consents.unit_visible(PURPOSES[:1], consents.record(("participation",), "v", 1))


def test_the_organisers_may_contact_a_winner_only_with_that_consent_unless_the_contest_has_no_such_purpose():
    with_contact = (*PURPOSES, ConsentPurpose("prize_contact", "Liên hệ về giải", "…", False))
    agreed = consents.record(("participation", "prize_contact"), "v", 1)
    assert consents.may_contact(with_contact, agreed)
    assert not consents.may_contact(with_contact, consents.record(("participation",), "v", 1))
    withdrawn = consents.withdraw(with_contact, agreed, "prize_contact", 2)
    assert withdrawn is not None and not consents.may_contact(with_contact, withdrawn)
    assert consents.may_contact(PURPOSES, consents.record(("participation",), "v", 1))  # one text covers it


def test_rows_list_every_purpose_with_its_state():
    rows = consents.rows(PURPOSES, consents.record(("participation",), "v", 1_697_594_400_000))
    assert [r["purpose"] for r in rows] == ["participation", "coordinator", "statistics"]
    assert rows[0]["given"] and rows[0]["given_at"].startswith("2023-10-18") and rows[0]["required"]
    assert rows[1] == {
        "purpose": "coordinator",
        "title": "Người phụ trách",
        "required": False,
        "given": False,
        "version": None,
        "given_at": None,
        "withdrawn_at": None,
    }


# --- contest.yaml ----------------------------------------------------------------------------------


def _raw() -> dict:
    return read_yaml(ROOT / "content" / "contest.yaml")


def test_the_shipped_contest_has_four_purposes_and_only_taking_part_is_required():
    contest = load_content(ROOT / "content").contest
    assert [(p.id, p.required) for p in contest.consent_purposes] == [
        ("participation", True),
        ("coordinator", False),
        ("prize_contact", False),
        ("statistics", False),
    ]
    assert contest.privacy.region == "ap-southeast-1" and contest.privacy.response_hours == 72
    assert contest.privacy.retention is not None and contest.privacy.processors


def test_the_older_single_consent_text_reads_as_one_required_purpose():
    raw = _raw()
    reg = raw["registration"]
    del reg["consent_purposes"]
    reg["consent_text"] = "Tôi đồng ý."
    contest = parse_contest(raw)
    assert [(p.id, p.required, p.text) for p in contest.consent_purposes] == [("participation", True, "Tôi đồng ý.")]
    assert contest.consent_text == "Tôi đồng ý."


@pytest.mark.parametrize(
    "change, needle",
    [
        (lambda r: r["registration"].update(consent_text="x"), "chỉ ghi một trong hai"),
        (lambda r: r["registration"]["consent_purposes"][0].update(required=False), "cần mục đích 'participation'"),
        (lambda r: r["registration"]["consent_purposes"][1].update(id="participation"), "được ghi hai lần"),
        (
            lambda r: r["registration"]["consent_purposes"][1].update(purpose="x"),
            "khóa 'registration.consent_purposes[2].purpose' không được hỗ trợ",
        ),
        (lambda r: r["registration"]["consent_purposes"][1].update(required="no"), "phải là true hoặc false"),
        (lambda r: r["registration"].update(consent_purposes=[]), "danh sách không trống"),
        (lambda r: r["privacy"].update(retention="2024-01-31"), "múi giờ"),
        (lambda r: r["privacy"].update(region="Singapore"), "vùng AWS"),
        (lambda r: r["privacy"].update(response_hours=0), "từ 1 đến 720 giờ"),
        (lambda r: r["privacy"].update(dpo="x"), "khóa 'privacy.dpo' không được hỗ trợ"),
        (
            lambda r: r["privacy"]["processors"][0].update(country="SG"),
            "khóa 'privacy.processors[1].country' không được hỗ trợ",
        ),
    ],
)
def test_consent_and_privacy_sections_are_checked_strictly(change, needle):
    raw = _raw()
    change(raw)
    with pytest.raises(ContentError) as caught:
        parse_contest(raw)
    assert needle in str(caught.value), str(caught.value)


def test_the_privacy_region_is_the_region_the_stack_deploys_to():
    """The page tells contestants where their data is: it must be where samconfig.toml deploys the stack."""
    import tomllib

    config = tomllib.loads((ROOT / "infra" / "samconfig.toml").read_text())
    regions = {config[env]["global"]["parameters"]["region"] for env in ("default", "staging")}
    assert regions == {load_content(ROOT / "content").contest.privacy.region}

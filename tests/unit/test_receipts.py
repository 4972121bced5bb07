"""Receipts: the short attempt code (8 characters, grouped, deterministic, reversible to the id's prefix) and the
server's Ed25519 signature over them, checked offline."""

from __future__ import annotations

import json
import re
import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st

from contest.rules.receipts import attempt_code, attempt_id_prefix


def test_a_known_id_gives_a_known_code():
    assert attempt_code("0123456789abcdef0123456789abcdef") == "04HM-ASW9"
    assert attempt_code("ffffffffff" + "0" * 22) == "ZZZZ-ZZZZ"


@given(st.uuids(version=4))
def test_every_code_is_eight_unambiguous_characters_and_leads_back_to_the_id(u: uuid.UUID):
    code = attempt_code(u.hex)
    assert re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}", code)
    assert attempt_code(u.hex) == code  # deterministic
    assert attempt_id_prefix(code) == u.hex[:10]
    assert attempt_id_prefix(code.lower().replace("-", " ")) == u.hex[:10]


def test_what_is_not_a_code_is_refused():
    assert attempt_id_prefix("ABCD-EFG") is None
    assert attempt_id_prefix("ABCD-EFGU") is None
    assert attempt_code("not-hex") == "not-hex"


# ---------------------------------------------------------------- signed receipts

KEY_SECRET = b"receipt-key-for-tests-" + b"k" * 32


def signed(**overrides):
    from contest.rules.receipts import ReceiptSigner

    signer = ReceiptSigner(lambda: KEY_SECRET)
    fields = {
        "attempt_id": "0123456789abcdef0123456789abcdef",
        "week": 2,
        "received_at": "2023-10-25T09:12:03.456+07:00",
        "duration_ms": 754_321,
        "score": 13,
        "answers_sha256": "ab" * 32,
    } | overrides
    return signer, signer.sign(fields)


def test_a_signed_receipt_verifies_against_the_published_key_and_carries_the_short_code():
    from contest.rules.receipts import verify_receipt

    signer, receipt = signed()
    fields = verify_receipt(receipt, signer.public_key_document())
    assert fields["score"] == 13 and fields["code"] == "04HM-ASW9" and receipt["alg"] == "Ed25519"


@pytest.mark.parametrize(
    "field, value",
    [("score", 15), ("duration_ms", 1), ("week", 3), ("received_at", "2023-10-25T09:00:00+07:00"),
     ("answers_sha256", "cd" * 32), ("attempt_id", "1123456789abcdef0123456789abcdef")],
)  # fmt: skip
def test_any_change_to_a_signed_field_breaks_the_signature(field, value):
    from contest.rules.receipts import ReceiptInvalid, verify_receipt

    signer, receipt = signed()
    receipt[field] = value
    if field == "attempt_id":
        receipt["code"] = attempt_code(value)  # a forger who also fixes the code
    with pytest.raises(ReceiptInvalid):
        verify_receipt(receipt, signer.public_key_document())


def test_another_key_does_not_verify_and_the_key_is_not_the_token_secret():
    from contest.rules.receipts import ReceiptInvalid, ReceiptSigner, verify_receipt

    _, receipt = signed()
    other = ReceiptSigner(lambda: b"another-receipt-key-" + b"o" * 32).public_key_document()
    with pytest.raises(ReceiptInvalid):
        verify_receipt(receipt, other)
    with pytest.raises(ValueError):
        ReceiptSigner(lambda: b"short").sign({"attempt_id": "0" * 32})


def test_the_config_refuses_the_token_secret_as_receipt_key():
    from contest.adapters.config import ConfigError, Settings

    env = {
        "AWS_REGION": "ap-southeast-1",
        "CONTEST_TABLE": "t",
        "CONTEST_SMS_SENDER": "sns",
        "CONTEST_ORIGIN_SECRET": "o" * 40,
    }
    with pytest.raises(ConfigError):
        Settings.from_env(env | {"CONTEST_SIGNING_SECRET": "s" * 40, "CONTEST_RECEIPT_KEY": "s" * 40})
    assert Settings.from_env(env | {"CONTEST_SIGNING_SECRET": "s" * 40, "CONTEST_RECEIPT_KEY": "r" * 40}).receipt_key


def test_contest_receipts_verify_says_valid_or_not(tmp_path):
    from typer.testing import CliRunner

    from contest.cli import app

    signer, receipt = signed()
    key = tmp_path / "receipt-key.json"
    key.write_text(json.dumps(signer.public_key_document()), encoding="utf-8")
    good = tmp_path / "bien-nhan.json"
    good.write_text(json.dumps({"receipt": receipt}), encoding="utf-8")
    bad = tmp_path / "sua.json"
    bad.write_text(json.dumps(receipt | {"score": 15}), encoding="utf-8")
    runner = CliRunner()
    ok = runner.invoke(app, ["receipts", "verify", str(good), "--key", str(key)])
    assert ok.exit_code == 0 and "HỢP LỆ" in ok.output and "04HM-ASW9" in ok.output
    refused = runner.invoke(app, ["receipts", "verify", str(bad), "--key", str(key)])
    assert refused.exit_code == 1

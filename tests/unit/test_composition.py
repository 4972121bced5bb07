"""What each kind of process reads from its environment, and the close's request as its edge parses it."""

from pathlib import Path

import pytest

from contest.config import TerminalSettings
from contest.errors import ContestError, UnknownWeek
from contest.services.close import CloseRequest, parse_event


@pytest.mark.parametrize(
    ("payload", "request_"),
    [
        ({}, CloseRequest()),
        (None, CloseRequest()),
        ({"week": 2}, CloseRequest(week=2)),
        ({"week": 3, "force": True}, CloseRequest(week=3, force=True)),
        ({"week": 1, "republish": True}, CloseRequest(week=1, republish=True)),
        ({"action": "purge"}, CloseRequest(purge=True)),
    ],
)
def test_the_schedulers_payload_becomes_one_typed_close_request(payload, request_):
    assert parse_event(payload) == request_


@pytest.mark.parametrize(
    ("payload", "error"),
    [
        ({"week": "2"}, UnknownWeek),
        ({"week": 0}, UnknownWeek),
        ({"week": True}, UnknownWeek),
        ({"week": 1, "force": "yes"}, ContestError),
        ({"week": 1, "republish": 1}, ContestError),
    ],
)
def test_a_malformed_payload_is_refused_at_the_edge(payload, error):
    with pytest.raises(error):
        parse_event(payload)


def test_the_terminal_reads_its_settings_through_config_only():
    # Given the environment an organiser sets to close a week on AWS from a terminal
    env = {
        "CONTEST_TABLE": " contest-prod ",
        "AWS_DEFAULT_REGION": "ap-southeast-1",
        "CONTEST_PUBLIC_BUCKET": "pub",
        "CONTEST_PRIVATE_BUCKET": "priv",
        "CONTEST_SMS_SENDER": "sns",
        "CONTEST_OUTBOX": "/tmp/outbox.jsonl",
        "CONTEST_SIGNING_SECRET_PARAM": "/contest/secret",
        "CONTEST_CLOCK": "",
    }
    # When the CLI reads it
    settings = TerminalSettings.from_env(env)
    # Then every value is there, trimmed, and an empty one is absent
    assert settings.table_name == "contest-prod" and settings.region == "ap-southeast-1"
    assert (settings.public_bucket, settings.private_bucket) == ("pub", "priv")
    assert settings.sms_sender == "sns" and settings.outbox_path == Path("/tmp/outbox.jsonl")
    assert settings.signing_secret is None and settings.signing_secret_ref == "/contest/secret"
    assert settings.clock is None and settings.publish_dir is None


def test_only_config_reads_the_environment():
    # Given the package's modules (the local stack and the site builder set variables for the processes they start)
    root = Path(__file__).resolve().parents[2] / "src" / "contest"
    readers = []
    for path in sorted(root.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        if path.name == "config.py" or path.parent.name == "local":
            continue
        if "os.environ.get(" in text or "os.getenv(" in text or "os.environ[" in text:
            readers.append(str(path.relative_to(root)))
    # Then none but config.py reads it
    assert readers == []

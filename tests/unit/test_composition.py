"""What each kind of process reads from its environment, and the close's request as its edge parses it."""

from pathlib import Path

import pytest

from contest.adapters.config import TerminalSettings
from contest.close.week import CloseRequest, parse_event
from contest.rules.errors import ContestError, UnknownWeek


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


def test_a_public_function_needs_the_origin_secret_but_no_signing_secret():
    from contest.adapters.config import ConfigError, Settings

    env = {"AWS_REGION": "ap-southeast-1", "CONTEST_TABLE": "t", "CONTEST_SMS_SENDER": "sns"}
    # Given no signing secret at all, a public function (functions/info) starts with the origin secret alone
    public = Settings.from_env(env | {"CONTEST_ORIGIN_SECRET_ARN": "arn:origin"}, kind="public")
    assert public.signing_secret is None and public.signing_secret_ref is None
    # But without the origin secret it refuses to start, like every function behind CloudFront
    with pytest.raises(ConfigError, match="origin secret"):
        Settings.from_env(env, kind="public")


def test_the_cli_and_close_week_compose_the_close_the_same_way(monkeypatch, tmp_path):
    from contest.adapters.publisher import LocalPublisher
    from contest.adapters.sender import OutboxSender
    from contest.cli.close import closer
    from contest.close.runtime import build_close_runtime
    from contest.close.week import CloseWeek
    from contest.rules.clock import SystemClock
    from contest.store import tables

    # Given the one environment an organiser's terminal and close_week's Lambda would both read
    env = {
        "CONTEST_TABLE": "contest-a",
        "AWS_REGION": "ap-southeast-1",
        "CONTEST_SMS_SENDER": "outbox",
        "CONTEST_OUTBOX": str(tmp_path / "outbox.jsonl"),
        "CONTEST_PUBLISH_DIR": str(tmp_path / "public"),
        "CONTEST_PRIVATE_DIR": str(tmp_path / "private"),
    }
    for name in ("CONTEST_CLOCK", "CONTEST_PUBLIC_BUCKET", "CONTEST_PRIVATE_BUCKET", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    # When the Lambda builds its close, and the CLI (`--aws`) builds its own
    lambda_close = build_close_runtime().close_week()
    lambda_table = tables.MODELS[0].Meta.table_name
    monkeypatch.setenv("CONTEST_TABLE", "contest-b")  # proves the CLI configures the table itself
    with closer(aws=True) as cli_close:
        cli_table = tables.MODELS[0].Meta.table_name
    # Then both are the same use case over the same parts: the table, the publication folders, the clocks, an outbox
    assert (lambda_table, cli_table) == ("contest-a", "contest-b")
    for close in (lambda_close, cli_close):
        assert type(close) is CloseWeek
        assert isinstance(close.publisher, LocalPublisher)
        assert vars(close.publisher) == vars(LocalPublisher(tmp_path / "public", tmp_path / "private"))
        assert isinstance(close.clock, SystemClock) and isinstance(close.wall, SystemClock)
    assert isinstance(cli_close.sender, OutboxSender)
    assert type(lambda_close.repo) is type(cli_close.repo)
    assert type(lambda_close.content) is type(cli_close.content)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"CONTEST_SMS_RESPONSE_FLOOR_MS": "2.5"}, "CONTEST_SMS_RESPONSE_FLOOR_MS must be a whole number"),
        ({"CONTEST_SMS_RESPONSE_FLOOR_MS": "10001"}, "CONTEST_SMS_RESPONSE_FLOOR_MS must be between 0 and 10000"),
        ({"CONTEST_SMS_GATEWAY_TIMEOUT_SECONDS": "soon"}, "CONTEST_SMS_GATEWAY_TIMEOUT_SECONDS must be a number"),
        ({"CONTEST_SMS_GATEWAY_TIMEOUT_SECONDS": "0"}, "CONTEST_SMS_GATEWAY_TIMEOUT_SECONDS must be between 0 and 20"),
        ({"CONTEST_SMS_GATEWAY_SUCCESS": "code"}, "CONTEST_SMS_GATEWAY_SUCCESS must read field=value"),
        ({"CONTEST_SMS_SENDER": "gateway"}, "CONTEST_SMS_SENDER=gateway needs CONTEST_SMS_GATEWAY_URL"),
        ({"CONTEST_RECEIPT_KEY": "k" * 40, "CONTEST_SIGNING_SECRET": "k" * 40}, "must not be the token signing"),
        ({"CONTEST_OUTBOX": " "}, "CONTEST_OUTBOX is required"),
        ({"CONTEST_CLOCK": "2023-10-18T09:00:00"}, "CONTEST_CLOCK needs an offset"),
        ({"CONTEST_TABLE": ""}, "missing required setting CONTEST_TABLE"),
    ],
)
def test_each_malformed_setting_is_refused_at_cold_start_by_name(changes, message):
    from contest.adapters.config import ConfigError, Settings

    # Given a request handler's environment with one setting wrong
    env = {
        "CONTEST_TABLE": "t",
        "AWS_REGION": "ap-southeast-1",
        "CONTEST_SMS_SENDER": "outbox",
        "CONTEST_OUTBOX": "/tmp/outbox.jsonl",
        "CONTEST_PUBLISH_DIR": "/tmp/public",
        "CONTEST_SIGNING_SECRET": "s" * 40,
        "CONTEST_ORIGIN_SECRET": "o" * 40,
    } | changes
    # When it starts, then it refuses, naming the setting
    with pytest.raises(ConfigError, match=message):
        Settings.from_env(env, kind="request")


def test_a_well_formed_environment_reads_into_typed_settings():
    from contest.adapters.config import Settings

    env = {
        "CONTEST_TABLE": " t ",
        "AWS_DEFAULT_REGION": "ap-southeast-1",
        "CONTEST_SMS_SENDER": "gateway",
        "CONTEST_SMS_GATEWAY_URL": "https://sms.example",
        "CONTEST_SMS_GATEWAY_SECRET_ID": "gw",
        "CONTEST_SMS_GATEWAY_SUCCESS": " status = ok ",
        "CONTEST_SMS_GATEWAY_TIMEOUT_SECONDS": "2.5",
        "CONTEST_SMS_RESPONSE_FLOOR_MS": "2500",
        "CONTEST_SIGNING_SECRET_ARN": "arn:secret",
        "CONTEST_ORIGIN_SECRET_ARN": "arn:origin",
        "CONTEST_PUBLIC_BUCKET": "pub",
    }
    settings = Settings.from_env(env, kind="request")
    assert (settings.table_name, settings.region, settings.sms_sender) == ("t", "ap-southeast-1", "gateway")
    assert settings.gateway_success == ("status", "ok") and settings.gateway_timeout_s == 2.5
    assert settings.sms_response_floor_ms == 2500 and settings.gateway_secret_ref == "gw"
    assert settings.signing_secret is None and settings.signing_secret_ref == "arn:secret"
    assert settings.origin_secret_ref == "arn:origin" and settings.public_bucket == "pub"
    assert settings.publish_dir is None and settings.clock_start is None and settings.outbox_path is None

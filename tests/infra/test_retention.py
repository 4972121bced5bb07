"""Retention by design: what the template promises in docs/privacy.md (backups, versions, logs, purge)."""

from __future__ import annotations

import json
from typing import Any

from tests.infra.test_template import resources_of, statements

# docs/privacy.md states these maxima; the template must not allow more
MAX_BACKUP_DAYS = 35
MAX_NONCURRENT_DAYS = 30
MAX_SMS_LOG_DAYS = 7
MAX_LOG_DAYS = 90


def _param(template: dict[str, Any], value: Any) -> dict[str, Any]:
    assert isinstance(value, dict) and "Ref" in value, value
    return template["Parameters"][value["Ref"]]  # type: ignore[no-any-return]


def test_point_in_time_recovery_keeps_a_deleted_item_35_days_at_most(template: dict[str, Any]) -> None:
    pitr = template["Resources"]["Table"]["Properties"]["PointInTimeRecoverySpecification"]
    assert pitr["PointInTimeRecoveryEnabled"] is True
    days = _param(template, pitr["RecoveryPeriodInDays"])
    assert days["Default"] <= MAX_BACKUP_DAYS and days["MaxValue"] <= MAX_BACKUP_DAYS


def test_every_bucket_expires_old_versions_and_delete_markers(template: dict[str, Any]) -> None:
    for logical_id, bucket in resources_of(template, "AWS::S3::Bucket").items():
        rules = bucket["Properties"]["LifecycleConfiguration"]["Rules"]
        noncurrent = [
            r["NoncurrentVersionExpiration"]["NoncurrentDays"] for r in rules if "NoncurrentVersionExpiration" in r
        ]
        assert noncurrent and max(noncurrent) <= MAX_NONCURRENT_DAYS, logical_id
    private = template["Resources"]["PrivateBucket"]["Properties"]["LifecycleConfiguration"]["Rules"]
    assert any(r.get("ExpiredObjectDeleteMarker") is True for r in private)


def test_every_log_group_has_a_bounded_retention_and_sms_logs_keep_days_only(template: dict[str, Any]) -> None:
    groups = resources_of(template, "AWS::Logs::LogGroup")
    assert groups
    for logical_id, group in groups.items():
        param = _param(template, group["Properties"]["RetentionInDays"])
        assert max(param["AllowedValues"]) <= MAX_LOG_DAYS and param["Default"] <= 30, logical_id
    sms = {
        k: g for k, g in groups.items() if "DirectPublishToPhoneNumber" in json.dumps(g["Properties"]["LogGroupName"])
    }
    assert len(sms) == 2, "the SNS delivery status log groups (full phone numbers) must be the stack's"
    for logical_id, group in sms.items():
        param = _param(template, group["Properties"]["RetentionInDays"])
        assert max(param["AllowedValues"]) <= MAX_SMS_LOG_DAYS and param["Default"] <= 3, logical_id


def test_the_retention_purge_runs_daily_on_the_close_function_with_what_it_needs(
    template: dict[str, Any], transformed: dict[str, Any]
) -> None:
    events = template["Resources"]["CloseWeekFunction"]["Properties"]["Events"]
    purge = events["RetentionPurge"]
    assert purge["Type"] == "ScheduleV2"
    assert json.loads(purge["Properties"]["Input"]) == {"action": "purge"}
    assert purge["Properties"]["ScheduleExpressionTimezone"] == {"Ref": "CloseWeekTimezone"}
    assert _param(template, purge["Properties"]["ScheduleExpression"])["Default"].startswith("cron(0 3 * * ? *")
    granted = {
        action
        for where, st in statements(transformed)
        if where.startswith("CloseWeekRole") and st["Effect"] == "Allow"
        for action in (st["Action"] if isinstance(st["Action"], list) else [st["Action"]])
    }
    assert {"dynamodb:Scan", "dynamodb:BatchWriteItem", "s3:DeleteObject", "s3:ListBucket"} <= granted

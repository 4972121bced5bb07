"""Where the close publishes: S3 on AWS, local folders in the local stack. The only boto3 S3 use.

Public files go to `results/<name>` (served at /results/<name> on the site's origin); private files to
`reports/<name>` in the private bucket, or to the private folder locally.

Atomicity: a reader sees the old or the new version of a file, never half of it. Locally each file is
written to a temporary file in the same folder, flushed to disk, then renamed over the old one
(`os.replace` is atomic on POSIX). On S3 each PUT is atomic per object. The close writes the private files
first, then `week-N.json`, then `final.json`, then `index.json` last, so the index never points at a
file that is not there yet.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any, Protocol

PUBLIC_PREFIX = "results/"
PRIVATE_PREFIX = "reports/"

CONTENT_TYPES = {
    ".json": "application/json; charset=utf-8",
    ".csv": "text/csv; charset=utf-8",
    ".tsv": "text/tab-separated-values; charset=utf-8",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def content_type(name: str) -> str:
    return CONTENT_TYPES.get(Path(name).suffix, "application/octet-stream")


class Publisher(Protocol):
    def read_public(self, name: str) -> bytes | None: ...

    def put_public(self, name: str, data: bytes) -> None: ...

    def read_private(self, name: str) -> bytes | None: ...

    def put_private(self, name: str, data: bytes) -> None: ...

    def list_private(self) -> list[str]: ...

    def delete_private(self, name: str) -> None: ...


def _safe(name: str) -> str:
    parts = Path(name).parts
    if not parts or Path(name).is_absolute() or any(p in ("..", "") for p in parts):
        raise ValueError(f"unsafe publication name {name!r}")
    return name


class LocalPublisher:
    """The two folders stand for the two buckets, with the same keys: public files under
    `<public_dir>/results/` (the local stack serves that folder's `results/` at /results/), private files
    under `<private_dir>/reports/`."""

    def __init__(self, public_dir: Path, private_dir: Path) -> None:
        self.public_dir = Path(public_dir) / PUBLIC_PREFIX.rstrip("/")
        self.private_dir = Path(private_dir) / PRIVATE_PREFIX.rstrip("/")

    @staticmethod
    def _read(path: Path) -> bytes | None:
        try:
            return path.read_bytes()
        except FileNotFoundError:
            return None

    @staticmethod
    def _write(path: Path, data: bytes) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.chmod(tmp, 0o644)
            os.replace(tmp, path)
        except BaseException:
            try:
                os.unlink(tmp)
            except FileNotFoundError:
                pass
            raise

    def read_public(self, name: str) -> bytes | None:
        return self._read(self.public_dir / _safe(name))

    def put_public(self, name: str, data: bytes) -> None:
        self._write(self.public_dir / _safe(name), data)

    def read_private(self, name: str) -> bytes | None:
        return self._read(self.private_dir / _safe(name))

    def put_private(self, name: str, data: bytes) -> None:
        self._write(self.private_dir / _safe(name), data)

    def list_private(self) -> list[str]:
        if not self.private_dir.is_dir():
            return []
        return sorted(str(p.relative_to(self.private_dir)) for p in self.private_dir.rglob("*") if p.is_file())

    def delete_private(self, name: str) -> None:
        (self.private_dir / _safe(name)).unlink(missing_ok=True)


class S3Publisher:
    def __init__(self, public_bucket: str, private_bucket: str, region: str | None = None, client: Any = None) -> None:
        self.public_bucket = public_bucket
        self.private_bucket = private_bucket
        self.region = region
        self._client = client

    @property
    def client(self) -> Any:
        if self._client is None:
            import boto3

            self._client = boto3.client("s3", region_name=self.region)
        return self._client

    def _get(self, bucket: str, key: str) -> bytes | None:
        try:
            return self.client.get_object(Bucket=bucket, Key=key)["Body"].read()
        except self.client.exceptions.NoSuchKey:
            return None

    def _put(self, bucket: str, key: str, data: bytes, cache: str) -> None:
        self.client.put_object(Bucket=bucket, Key=key, Body=data, ContentType=content_type(key), CacheControl=cache)

    def read_public(self, name: str) -> bytes | None:
        return self._get(self.public_bucket, PUBLIC_PREFIX + _safe(name))

    def put_public(self, name: str, data: bytes) -> None:
        self._put(self.public_bucket, PUBLIC_PREFIX + _safe(name), data, "public, max-age=60")

    def read_private(self, name: str) -> bytes | None:
        return self._get(self.private_bucket, PRIVATE_PREFIX + _safe(name))

    def put_private(self, name: str, data: bytes) -> None:
        self._put(self.private_bucket, PRIVATE_PREFIX + _safe(name), data, "private, no-store")

    def list_private(self) -> list[str]:
        names: list[str] = []
        for page in self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.private_bucket, Prefix=PRIVATE_PREFIX
        ):
            names.extend(o["Key"][len(PRIVATE_PREFIX) :] for o in page.get("Contents", []))
        return sorted(names)

    def delete_private(self, name: str) -> None:
        # versioned bucket: a delete marker; the old version expires by the lifecycle rule (infra/template.yaml)
        self.client.delete_object(Bucket=self.private_bucket, Key=PRIVATE_PREFIX + _safe(name))


def publisher_for(
    *,
    public_bucket: str | None,
    private_bucket: str | None,
    publish_dir: Path | None,
    private_dir: Path | None,
    region: str | None = None,
) -> Publisher:
    """Local folders when configured (local stack, tests), else the two buckets."""
    if publish_dir is not None:
        if private_dir is None:
            raise ValueError("CONTEST_PRIVATE_DIR is required with CONTEST_PUBLISH_DIR")
        return LocalPublisher(publish_dir, private_dir)
    if public_bucket and private_bucket:
        return S3Publisher(public_bucket, private_bucket, region)
    raise ValueError("no publication target: set CONTEST_PUBLISH_DIR/CONTEST_PRIVATE_DIR or the two buckets")

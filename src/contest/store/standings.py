"""The close's streaming reader of a week's standings (and the one extra read it makes of the profiles).

Reading a lot: PynamoDB objects cost ≈ 19 µs each on top of botocore's own response parsing (≈ 24 µs per item);
a 1M-entry week would spend ≈ 45 s of CPU there. The close therefore asks for the standing attributes only
(projection), takes the raw JSON body of each Query page before botocore parses it (a `before-parse` hook on a
private client: credentials, retries, endpoint and CRC check unchanged) and turns the page straight into compact
tuples. benchmarks/read_path.py measures the difference.
"""

from __future__ import annotations

import json
import queue
import threading
import time
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from contest.adapters.config import STANDING_SHARDS
from contest.rules.model import STANDING_FIELDS
from contest.store import tables
from contest.store.keys import PROFILE, account_pk, standing_pk
from contest.store.mapping import standing_rows

if TYPE_CHECKING:  # contest.rules.ranking imports numpy: only the close's layer has it
    from contest.rules.ranking import CompactStanding

_PROJECTION = ", ".join(f"#a{i}" for i in range(len(STANDING_FIELDS)))
_PROJECTION_NAMES = {f"#a{i}": name for i, name in enumerate(STANDING_FIELDS)}
_RAW_BODY = "RawBody"


def _keep_raw_body(response_dict: dict[str, Any], customized_response_dict: dict[str, Any], **_: Any) -> None:
    """botocore `before-parse` hook: hand the successful Query body over unparsed."""
    if response_dict.get("status_code") == 200:
        customized_response_dict[_RAW_BODY] = response_dict["body"]
        response_dict["body"] = b"{}"


class StandingsReader:
    """A week's standings, all shards in parallel threads, as compact tuples."""

    def __init__(
        self,
        shards: int = STANDING_SHARDS,
        parallel: int = 8,
        queue_pages: int = 32,
        page_limit: int | None = None,
    ) -> None:
        self.shards = shards
        self.parallel = max(1, parallel)
        self.queue_pages = queue_pages
        self.page_limit = page_limit  # items per Query page (None: DynamoDB's 1 MB pages); tests paginate
        self._raw_client: Any = None

    def _client(self) -> Any:
        if self._raw_client is None:
            import botocore.session

            session = botocore.session.get_session()
            client = session.create_client("dynamodb", region_name=tables.TableSchema.Meta.region)
            client.meta.events.register("before-parse.dynamodb.Query", _keep_raw_body)
            self._raw_client = client
        return self._raw_client

    def standing_pages(self, week: int, shard: int) -> Iterator[list[CompactStanding]]:
        """One shard of a week, page by page, each page as compact tuples (strongly consistent)."""
        client = self._client()
        request: dict[str, Any] = {
            "TableName": tables.TableSchema.Meta.table_name,
            "KeyConditionExpression": "pk = :pk",
            "ExpressionAttributeValues": {":pk": {"S": standing_pk(week, shard)}},
            "ProjectionExpression": _PROJECTION,
            "ExpressionAttributeNames": _PROJECTION_NAMES,
            "ConsistentRead": True,
        }
        if self.page_limit:
            request["Limit"] = self.page_limit
        while True:
            response = client.query(**request)
            page = json.loads(response[_RAW_BODY])
            yield standing_rows(page.get("Items", ()))
            start = page.get("LastEvaluatedKey")
            if not start:
                return
            request["ExclusiveStartKey"] = start

    def stream_standings(self, week: int) -> Iterator[CompactStanding]:
        """Every standing of a week: the shards read in parallel threads, pages handed over as they come.

        Order of arrival is not defined; the ranking does not depend on it. At most `queue_pages` pages
        wait in memory at any time.
        """
        if self.parallel == 1:
            for shard in range(self.shards):
                for rows in self.standing_pages(week, shard):
                    yield from rows
            return
        self._client()  # build once, before the threads share it (botocore clients are thread-safe)
        pages: queue.Queue[Any] = queue.Queue(maxsize=self.queue_pages)
        shards: queue.Queue[int] = queue.Queue()
        for shard in range(self.shards):
            shards.put(shard)
        stop = threading.Event()
        count = min(self.parallel, self.shards)
        workers = [
            threading.Thread(target=self._read_shards, args=(week, shards, pages, stop), daemon=True)
            for _ in range(count)
        ]
        for t in workers:
            t.start()
        try:
            yield from _handed_over(pages, len(workers))
        finally:
            _stop(workers, pages, stop)

    def _read_shards(self, week: int, shards: queue.Queue[int], pages: queue.Queue[Any], stop: threading.Event) -> None:
        """One worker: takes shards until none is left and hands their pages over (waiting while the queue is
        full); an error is handed over too, and the worker always ends with _DONE."""
        try:
            while not stop.is_set():
                try:
                    shard = shards.get_nowait()
                except queue.Empty:
                    return
                for rows in self.standing_pages(week, shard):
                    while not stop.is_set():
                        try:
                            pages.put(rows, timeout=0.5)
                            break
                        except queue.Full:
                            continue
        except BaseException as exc:  # handed to the consumer, raised there
            pages.put(exc)
        finally:
            pages.put(_DONE)

    def verified_ip_hashes(self, account_ids: Iterable[str]) -> dict[str, str]:
        """account id -> hash of the address the phone was verified from, where one was recorded.

        BatchGetItem of the profiles, 100 keys a call, `parallel` calls at a time, two attributes each.
        (Cheaper still: copy the hash onto the standing at submit time, then the close needs no extra read.)
        """
        from concurrent.futures import ThreadPoolExecutor

        client = self._client()
        table = tables.TableSchema.Meta.table_name
        keys = [{"pk": {"S": account_pk(a)}, "sk": {"S": PROFILE}} for a in account_ids]

        def fetch(batch: list[dict[str, Any]]) -> list[tuple[str, str]]:
            found: list[tuple[str, str]] = []
            request: dict[str, Any] = {
                table: {
                    "Keys": batch,
                    "ProjectionExpression": "#a, #h",
                    "ExpressionAttributeNames": {"#a": "account_id", "#h": "verified_ip_hash"},
                }
            }
            for attempt in range(10):
                response = client.batch_get_item(RequestItems=request)
                for item in response.get("Responses", {}).get(table, []):
                    if "verified_ip_hash" in item and "S" in item["verified_ip_hash"]:
                        found.append((item["account_id"]["S"], item["verified_ip_hash"]["S"]))
                request = response.get("UnprocessedKeys") or {}
                if not request:
                    return found
                time.sleep(min(0.05 * 2**attempt, 2.0))
            raise RuntimeError("BatchGetItem kept returning unprocessed keys")

        batches = [keys[i : i + 100] for i in range(0, len(keys), 100)]
        with ThreadPoolExecutor(max_workers=self.parallel) as pool:
            return dict(pair for found in pool.map(fetch, batches) for pair in found)


_DONE = object()  # a worker's last item


def _handed_over(pages: queue.Queue[Any], workers: int) -> Iterator[CompactStanding]:
    """The rows of every page the workers hand over, until each of them is done; a worker's error is raised."""
    finished = 0
    while finished < workers:
        item = pages.get()
        if item is _DONE:
            finished += 1
        elif isinstance(item, BaseException):
            raise item
        else:
            yield from item


def _stop(workers: list[threading.Thread], pages: queue.Queue[Any], stop: threading.Event) -> None:
    """Stop the workers (the consumer finished, failed or went away) and wait for them."""
    stop.set()
    while any(t.is_alive() for t in workers):  # drain so blocked workers can finish
        try:
            pages.get(timeout=0.1)
        except queue.Empty:
            pass
    for t in workers:
        t.join()

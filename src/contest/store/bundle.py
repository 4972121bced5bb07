"""The content bundle (contest, units, questions) as the handlers read it at cold start."""

from __future__ import annotations

import json
import zlib
from typing import Any

from pynamodb.exceptions import DoesNotExist

from contest.store.keys import BUNDLE, CONTENT
from contest.store.tables import ContentItem


class BundleStore:
    def load_bundle(self) -> dict[str, Any] | None:
        try:
            item = ContentItem.get(CONTENT, BUNDLE)
        except DoesNotExist:
            return None
        return json.loads(zlib.decompress(item.body))

    def save_bundle(self, bundle: dict[str, Any]) -> None:
        body = zlib.compress(json.dumps(bundle, ensure_ascii=False, sort_keys=True).encode(), 9)
        ContentItem(pk=CONTENT, sk=BUNDLE, body=body, version=bundle["version"]).save()

"""Erasure rules: the listing prefix keeps an erased entry's place inside its tie group; the phone's key."""

from __future__ import annotations

import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from contest.rules.erasure import ERASED_LABEL, ERASED_MARK, erasure_key, listing_key_name, listing_prefix
from contest.rules.model import StandingRecord
from contest.rules.phones import mask
from contest.rules.ranking import RankingRules, ingest

NAMES = st.text(alphabet="aàáạăắằbcdđeêếghiklmnoôơpqrstuưvxyAĐ ", min_size=1, max_size=12)


def test_one_letter_is_usually_enough():
    assert listing_prefix("Phạm Văn Bình", ["Lê Thị Hoà", "Đặng Thu Hà"]) == "p"
    assert listing_prefix("Lê Thị Hoà", ["Lê Thành", "Phạm Văn Bình"]) == "lê thị"
    assert listing_prefix("Lê Thị Hoà", ["Phạm Văn Bình"]) == ""


@given(NAMES, st.lists(NAMES, max_size=8))
def test_the_prefix_sorts_like_the_name_against_every_other_distinct_name(name, others):
    prefix = listing_prefix(name, others)
    mine = listing_key_name(name)
    assert mine.startswith(prefix)
    for other in others:
        key = listing_key_name(other)
        if key != mine:
            assert (prefix < key) == (mine < key), (name, other, prefix)


def test_the_phone_is_kept_only_as_a_keyed_hash():
    key = erasure_key(b"k" * 40, "+84912345678")
    assert "912345678" not in key and len(key) == 64
    assert key != erasure_key(b"j" * 40, "+84912345678") and key == erasure_key(b"k" * 40, "+84912345678")


def test_an_erased_standing_is_published_with_the_label_and_no_phone_digits():
    rows = [
        StandingRecord("a", 10, 100, 5, "u1", "p", ERASED_MARK, "t1", 1, 0),
        StandingRecord("b", 10, 100, 5, "u1", "Đặng Thu Hà", mask("+84912345678"), "t2", 1, 0),
    ]
    cols, removed = ingest(rows)
    assert cols.full_name == [ERASED_LABEL, unicodedata.normalize("NFC", "Đặng Thu Hà")]
    assert cols.phone_masked == ["", "•••••••678"] and cols.listing[0] == "p" and cols.erased == 1
    assert removed == []
    assert RankingRules  # the ranking reads the same columns


def test_an_erased_entry_that_was_disqualified_is_reported_with_the_label():
    from contest.rules.ranking import Disqualification

    rows = [StandingRecord("a", 10, 100, 5, "u1", "p", ERASED_MARK, "t1", 1, 0)]
    _, removed = ingest(rows, disqualified={"a": Disqualification("a", "x", "y", 0)})
    assert removed[0].row[5] == ERASED_LABEL and mask(removed[0].row[6]) == ""

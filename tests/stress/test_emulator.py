"""The emulator's cheaper transaction rollback (contest.local.emulator) keeps moto's semantics: a cancelled
transaction leaves every item it named exactly as it was, and a committed one writes them all."""

from __future__ import annotations

import pytest
from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from contest.store import tables
from contest.store.tables import AccountItem, PhoneItem
from tests.fakes import FixedClock
from tests.stress.harness import make_root, running_stack
from tests.support import WEEK1_MID


def test_a_cancelled_transaction_changes_nothing_and_a_committed_one_everything(tmp_path):
    with running_stack(make_root(tmp_path), FixedClock(WEEK1_MID)):
        PhoneItem(pk="PHONE#a", sk="CLAIM", account_id="first", login_failures=2).save()
        PhoneItem(pk="PHONE#b", sk="CLAIM", account_id="taken").save()
        # When a transaction updates a, puts c, then fails its condition on b
        with pytest.raises(TransactWriteError), TransactWrite(connection=tables.connection()) as tx:
            tx.update(PhoneItem(pk="PHONE#a", sk="CLAIM"), actions=[PhoneItem.login_failures.set(9)])
            tx.save(PhoneItem(pk="PHONE#c", sk="CLAIM", account_id="new"))
            tx.save(
                PhoneItem(pk="PHONE#b", sk="CLAIM", account_id="thief"),
                condition=PhoneItem.pk.does_not_exist(),
            )
        # Then a, b and c are as before
        assert PhoneItem.get("PHONE#a", "CLAIM").login_failures == 2
        assert PhoneItem.get("PHONE#b", "CLAIM").account_id == "taken"
        assert PhoneItem.count("PHONE#c") == 0
        # When the same writes commit
        with TransactWrite(connection=tables.connection()) as tx:
            tx.update(PhoneItem(pk="PHONE#a", sk="CLAIM"), actions=[PhoneItem.login_failures.set(9)])
            tx.save(PhoneItem(pk="PHONE#c", sk="CLAIM", account_id="new"))
        assert PhoneItem.get("PHONE#a", "CLAIM").login_failures == 9
        assert PhoneItem.get("PHONE#c", "CLAIM").account_id == "new"
        assert AccountItem.count("ACCOUNT#none") == 0

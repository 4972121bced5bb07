"""The data inventory (docs/privacy.md) is generated from the PynamoDB models and describes every attribute."""

from __future__ import annotations

from pathlib import Path

from pynamodb.attributes import UnicodeAttribute

from contest.cli.erasure import INVENTORY_BEGIN, INVENTORY_END, inventory_document
from contest.organisers import inventory
from contest.store import tables

DOC = Path(__file__).resolve().parents[2] / "docs" / "privacy.md"


def test_every_attribute_of_every_model_is_described():
    # Given the models of store/tables.py, When the inventory is checked, Then nothing is missing or stale
    assert inventory.undescribed() == []


def test_a_model_gaining_an_undescribed_attribute_is_reported(monkeypatch):
    # Given the account item with one more attribute nobody described
    grown = type("AccountItem", (tables.AccountItem,), {"nickname": UnicodeAttribute(null=True)})
    monkeypatch.setattr(tables, "MODELS", tuple(grown if m is tables.AccountItem else m for m in tables.MODELS))
    # When the inventory is checked, Then exactly that attribute is reported
    assert inventory.undescribed() == ["AccountItem.nickname"]


def test_a_new_model_is_reported(monkeypatch):
    new = type("NicknameItem", (tables._Item,), {"nickname": UnicodeAttribute()})
    monkeypatch.setattr(tables, "MODELS", (*tables.MODELS, new))
    assert "NicknameItem.nickname" in inventory.undescribed()


def test_a_description_of_a_removed_attribute_is_reported(monkeypatch):
    monkeypatch.setitem(
        inventory.ITEMS["PhoneItem"].attrs, "favourite_colour", inventory.Attr(inventory.NONE, "nothing")
    )
    assert inventory.undescribed() == ["PhoneItem.favourite_colour (attribute gone)"]


def test_every_personal_attribute_has_a_purpose_and_category():
    for name, item in inventory.ITEMS.items():
        assert item.what and item.retention, name
        for attr, described in item.attrs.items():
            assert described.purpose.strip() and described.category.strip(), f"{name}.{attr}"


def test_the_markdown_lists_every_attribute_once_per_model():
    text = inventory.markdown()
    for model, attrs in inventory.model_attributes().items():
        section = text.split(f"#### {model}:", 1)[1].split("####", 1)[0]
        for attr in attrs:
            assert section.count(f"| `{attr}` |") == 1, f"{model}.{attr}"


def test_docs_privacy_md_carries_the_generated_inventory():
    # docs/privacy.md embeds the inventory between its markers: regenerate with `contest privacy inventory --write`
    text = DOC.read_text(encoding="utf-8")
    assert INVENTORY_BEGIN in text and INVENTORY_END in text
    assert inventory_document(text, inventory.markdown()) == text

"""The organisers' tools, never on Lambda: the site builder, question workbook and lint, progress report,
scaffold, personal data inventory."""

"""The weekly close (functions/close_week, with the reports layer, and `contest close-week`): ranking I/O,
publication, the private reports, erasure and the retention purge."""

"""The parity suite's machinery: settings and targets, the recording consumer, the
normaliser, snapshot files and their comparison, and the parity table (docs/parity.md)."""

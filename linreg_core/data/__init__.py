"""Data: the built-in datasets, the CSV loader and the limits."""

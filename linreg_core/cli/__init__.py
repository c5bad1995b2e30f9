"""The command line: python -m linreg_core train|path|export."""

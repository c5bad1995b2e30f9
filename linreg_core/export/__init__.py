"""Exports of a run: standalone HTML, GIF, CSV/JSON and a replaying Python script."""

"""Scenes: page settings in, a trained run and its readouts out."""

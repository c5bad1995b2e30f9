"""Thin Streamlit helpers shared by the pages (the engine lives in linreg_core/)."""

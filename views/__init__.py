"""The pages ' bodies (pages/*.py are the thin files Streamlit runs)."""

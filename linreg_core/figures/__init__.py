"""Pure Plotly figure builders (no Streamlit)."""

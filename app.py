"""Linear Regression Playground: the entry point (page config and navigation)."""

import streamlit as st

st.set_page_config(
    page_title="Linear Regression Playground",
    page_icon="📉",
    layout="wide",
    initial_sidebar_state="expanded",
)

pages = [
    st.Page("pages/gradient_descent.py", title="Gradient descent", icon="📉",
            url_path="gradient-descent", default=True),
]
st.navigation(pages).run()

"""Linear Regression Playground: the entry point (page config and navigation)."""

import streamlit as st

import ui.threads  # noqa: F401  (one torch and BLAS thread per session, set once per process)
from ui.reconnect import rerun_after_reconnect

PRESENT = (st.query_params.get("present") or "") in ("1", "true", "yes")

st.set_page_config(
    page_title="Linear Regression Playground",
    page_icon="📉",
    layout="wide",
    initial_sidebar_state="collapsed" if PRESENT else "expanded",
)
if PRESENT:  # presenter mode: large type for a projector (our own constant CSS)
    from ui.share import PRESENTER_CSS

    st.markdown(PRESENTER_CSS, unsafe_allow_html=True)

# A page left open through a server restart reruns as it reconnects (see ui/reconnect.py).
rerun_after_reconnect()

pages = [
    st.Page("pages/gradient_descent.py", title="Gradient descent", icon=":material/trending_down:",
            url_path="gradient-descent", default=True),
    st.Page("pages/regularization.py", title="Regularization paths", icon=":material/tune:",
            url_path="regularization"),
    st.Page("pages/lr_lab.py", title="Learning-rate lab", icon=":material/science:",
            url_path="lr-lab"),
    st.Page("pages/classroom.py", title="In class", icon=":material/school:", url_path="classroom"),
]
st.navigation(pages, position="top").run()

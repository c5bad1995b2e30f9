"""Linear Regression Playground: the entry point (page config and navigation)."""

import streamlit as st
import torch
from threadpoolctl import threadpool_limits

from ui.reconnect import rerun_after_reconnect

# One process serves every session, one thread each. The scenes are small: a second intra-op
# thread per session only adds contention on a 2-core machine (measured: 20-60x slower fits
# for 2-output models under load).
torch.set_num_threads(1)
# The same for NumPy's BLAS (OpenMP threads, process-wide): on a busy 2-core machine a second
# BLAS thread per product thrashes (measured: AᵀA of 1,000,000 × 100 took 9.4 s with two
# threads against 1.7 s with one, the other core being busy).
threadpool_limits(1)

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

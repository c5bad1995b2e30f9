# The Linear Regression Playground as one container: `streamlit run app.py` on port 8501.
#
#   docker build -t linreg-playground --build-arg TORCH_INDEX_URL=<PyTorch's CPU wheel index> .
#   docker run --rm -p 8501:8501 linreg-playground
#
# TORCH_INDEX_URL: pass PyTorch's CPU wheel index (see PyTorch's install page, "CPU").
# requirements.txt pins torch==2.13.0; from PyPI alone that resolves to the CUDA build and
# its multi-GB NVIDIA dependencies. With the CPU index as an extra index, pip picks
# 2.13.0+cpu (a local version matches the ==2.13.0 pin). Left empty, everything comes
# from PyPI.
#
# docs/deploy.md ("Docker") says what of this file is tested without a Docker engine.
FROM python:3.11-slim

ARG TORCH_INDEX_URL=""

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# Dependencies first: a code change does not reinstall them.
COPY requirements.txt ./
RUN pip install --no-cache-dir ${TORCH_INDEX_URL:+--extra-index-url "$TORCH_INDEX_URL"} \
        -r requirements.txt

# The user the app runs as: fixed uid/gid, a home for Matplotlib's and Streamlit's caches.
RUN groupadd --gid 10001 app \
    && useradd --uid 10001 --gid 10001 --create-home --shell /usr/sbin/nologin app

# Only what the app needs, owned by root: the app cannot change its own code.
COPY .streamlit/config.toml .streamlit/config.toml
COPY app.py ./
COPY linreg_core/ linreg_core/
COPY pages/ pages/
COPY views/ views/
COPY ui/ ui/

USER 10001:10001

EXPOSE 8501

# The slim image has no curl: Python's urllib asks Streamlit's health endpoint, which says
# "ok" once the server is ready (503 before). The body is checked, not only the status:
# Streamlit answers any other path with its page and a 200.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; r = urllib.request.urlopen('http://127.0.0.1:8501/_stcore/health', timeout=4); sys.exit(0 if r.read().strip() == b'ok' else 1)"]

CMD ["streamlit", "run", "app.py", "--server.address=0.0.0.0", "--server.port=8501", "--server.headless=true"]

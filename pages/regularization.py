"""The regularization page: Lasso, Ridge and Elastic-net coefficients as α changes."""

# The body is views/regularization.py, imported once per process. Streamlit recompiles the
# page file for every new session, so the file it runs stays this small.
from views.regularization import main

main()

"""The gradient-descent page: data on the left, learning on the right."""

# The body is views/gradient_descent.py, imported once per process. Streamlit recompiles the
# page file for every new session, so the file it runs stays this small.
from views.gradient_descent import main

main()

"""The learning-rate lab: many learning rates at once, and three optimizers raced."""

# The body is views/lr_lab.py, imported once per process. Streamlit recompiles the
# page file for every new session, so the file it runs stays this small.
from views.lr_lab import main

main()

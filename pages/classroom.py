"""The classroom guide: how to use the playground in class, and ready-made scenes."""

# The body is views/classroom.py, imported once per process. Streamlit recompiles the
# page file for every new session, so the file it runs stays this small.
from views.classroom import main

main()

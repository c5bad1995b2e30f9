"""One compute thread per session, set once per process (importing this module does it).

One process serves every session, one thread each. The scenes are small: a second intra-op
torch thread per session only adds contention on a 2-core machine (measured: 20-60x slower
fits for 2-output models under load). The same for NumPy's BLAS (OpenMP threads, process-wide):
on a busy 2-core machine a second BLAS thread per product thrashes (measured: AᵀA of
1,000,000 × 100 took 9.4 s with two threads against 1.7 s with one, the other core busy).

Done at import, not in app.py's body: app.py runs on every rerun of every session, and
``threadpool_limits`` inspects the process's loaded libraries each time it is called (it
was 13% of the server's CPU with 100 sessions opening the page).
"""

import torch
from threadpoolctl import threadpool_limits

torch.set_num_threads(1)
threadpool_limits(1)

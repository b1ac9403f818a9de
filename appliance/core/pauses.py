"""Short garbage-collector pauses for the server's event loop.

A full collection walks every object the process holds. Once the app, SQLAlchemy's mappers, the SII schemas and
the templates are loaded that took about 100 ms on this class of CPU, and while it runs no tablet is served: one
such pause in the middle of a rush is a scan that takes a tenth of a second. What exists when start-up ends lives
as long as the process, so it is frozen out of the collector's sight; later collections only walk what requests
create, and stay in the low milliseconds.

(A shorter GIL switch interval, so worker threads hand the loop back sooner, was tried and left out: in runs
interleaved with the default it cost a fifth of the full-speed throughput, for no clear gain in the paced tail.)
"""

from __future__ import annotations

import gc


def freeze_startup_objects() -> int:
    """Collect once, then freeze the survivors; returns how many objects are frozen."""
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()

"""Background work over committed rows. Printing: `outbox` (the worker that drains print and drawer rows into the
lanes' print queues) and `print_store` (the outbox-backed job store those queues keep their jobs in)."""

"""Queue and send (issue 5): the outbox.

    queue.py    approved issue -> one outbox row per (issue, subscriber), idempotent
    message.py  the issue's MIME message built once; per-recipient bytes by filling it; DKIM
    worker.py   drains due rows; sees only an ``OutboxStore`` and a ``Transport``
    store.py    the ``OutboxStore`` over our database (claim with lease, mark, release)
    policy.py   pure decisions: backoff, what an error means for a row, the rate limiter
    run.py      wiring for the CLI, the demo and the scheduler: ``queue_issue``, ``send_due``
"""

"""Continuous operation: the worker that runs every domain's jobs on schedule.

``brokerguard worker`` runs a Huey consumer (SQLite queue in the data directory,
Redis when ``BROKERGUARD_REDIS_URL`` is set); each job run is claimed once per
schedule slot in ``job_runs``, executed in a child process stopped at its
timeout, retried, recorded, and followed by the outbox's due deliveries.
"""

"""Run jobs in threads released together, to race real database writes against each other."""

import threading
from collections.abc import Callable

from django.db import connection


def run_at_once(jobs: list[Callable]) -> tuple[list, list[BaseException]]:
    """Run every job in its own thread, all starting at once. Returns the results and the
    exceptions raised (reported to the test, not lost in the threads)."""
    start = threading.Barrier(len(jobs))
    results: list = []
    errors: list[BaseException] = []

    def run(job):
        try:
            start.wait()
            results.append(job())
        except BaseException as exc:
            errors.append(exc)
        finally:
            # Each thread has its own connection; close it so the test database can be dropped.
            connection.close()

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results, errors

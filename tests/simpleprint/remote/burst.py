"""A burst of concurrent SimplyPrint calls from one process, for the cross-process rate-limit
test: ``python -m tests.simpleprint.remote.burst BASE_URL REDIS_URL NAME LIMIT WINDOW THREADS CALLS
START`` (START: Unix time to begin at, so that several processes burst together). Prints the
number of calls that succeeded."""

from __future__ import annotations

import os
import sys
import threading
import time


def main(argv: list[str]) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django

    django.setup()
    from apps.simpleprint.remote.client import SimplePrintClient
    from apps.simpleprint.remote.ratelimit import RedisRateLimiter

    base_url, redis_url, name = argv[0], argv[1], argv[2]
    limit, window, threads, calls = int(argv[3]), float(argv[4]), int(argv[5]), int(argv[6])
    limiter = RedisRateLimiter(redis_url, name, limit, window)
    done: list[int] = []
    time.sleep(max(0.0, float(argv[7]) - time.time()))

    def work() -> None:
        with SimplePrintClient(base_url=base_url, company_id=1, api_key="test-api-key",
                               limiter=limiter, max_attempts=1, max_wait=30) as sp:
            for _ in range(calls):
                sp.test_account()
                done.append(1)

    workers = [threading.Thread(target=work) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    print(len(done))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

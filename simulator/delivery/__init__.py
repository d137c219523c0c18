"""The asynchronous webhook sender: queue, bounded workers, retries and injected faults."""

"""Receiving deliveries: the webhook receiver (a Django view and its ASGI fast path) in front of the inbox."""

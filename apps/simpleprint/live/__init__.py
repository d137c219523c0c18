"""Live pages: the outbox of changes, the message format, the publisher, the consumer."""

"""Services: the only code that changes the mirror's state, each inside a transaction."""

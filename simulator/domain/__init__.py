"""The pure, deterministic farm model: clock, static catalogue, event names, the farm itself."""

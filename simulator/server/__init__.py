"""The Starlette app: request pipeline, ``/_sim/`` control endpoints, stats and rate limiter."""

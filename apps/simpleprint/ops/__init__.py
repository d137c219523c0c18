"""Operating the service: health and readiness, metrics, system checks, operator diagnostics and their endpoints."""

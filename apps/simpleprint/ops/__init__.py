"""Operating the service: health, metrics, system checks, operator diagnostics."""

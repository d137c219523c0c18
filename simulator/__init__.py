"""A local stand-in for the SimplyPrint API and its webhook deliveries.

``create_app(config)`` gives the ASGI app; ``simulator.testing.run_in_thread(config)`` serves it
on a free loopback port; ``python -m simulator`` runs it with uvicorn.
"""

from simulator.config import SimConfig
from simulator.server.app import create_app
from simulator.server.sim import Simulator

__all__ = ["SimConfig", "Simulator", "create_app"]

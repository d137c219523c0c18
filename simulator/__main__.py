"""``python -m simulator [--options]``: serve the simulator with uvicorn."""

from __future__ import annotations

import uvicorn

from simulator.config import from_args
from simulator.server.app import create_app


def main() -> None:
    config = from_args()
    # No Date header of uvicorn's: the simulator sends SimplyPrint's (its simulated clock).
    uvicorn.run(create_app(config), host=config.host, port=config.port,
                log_level=config.log_level, date_header=False)


if __name__ == "__main__":
    main()

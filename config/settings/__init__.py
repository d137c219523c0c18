"""Settings: ``base`` (everything, from the environment), ``dev`` (the embedded default run),
``production`` (refuses unsafe values) and ``test``."""

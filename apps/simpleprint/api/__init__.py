"""The REST API of the SimplyPrint mirror (``/api/v1/simpleprint/``)."""

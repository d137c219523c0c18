"""A local stand-in for the SimplyPrint API and its webhook deliveries (see README in docs)."""

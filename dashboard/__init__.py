"""CityOps core: config, domain, store, bus, services, web app, CLI and the demo city."""

__version__ = "0.1.0"

"""The city package: a folder of plain files (city.toml, CSV, GeoJSON) that holds everything that
differs from one city to the next. `read` parses and checks it (every problem, with file, line or
feature and what to do), `write` writes a city back as a package, `starter` makes a new one."""
from .problems import Problem  # noqa: F401

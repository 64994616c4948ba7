"""Demo ad sites with a known ground truth, served on loopback.

``generate(seed, size)`` builds a deterministic world of classified and job ads spread
over five sites (server-rendered HTML, OpenGraph/microdata, sitemaps with JSON-LD, RSS and
a JavaScript-only app), with reposts, obfuscated phone numbers and deliberate faults.
``DemoServer`` serves it over HTTP; ``sources_yaml`` writes the matching sources file.
"""

from .generate import generate
from .server import DemoServer
from .sources import sources_yaml
from .world import DemoWorld

__all__ = ["DemoServer", "DemoWorld", "generate", "sources_yaml"]

"""biway-mock's server: a stateful mock of the Bi-way API on Connexion."""

from .app import create_app
from .config import Settings

__all__ = ["Settings", "create_app"]
__version__ = "0.1.0"

"""bouncewarden: a self-hosted service for email bounces and complaints."""

__all__ = ["__version__"]

__version__ = "0.1.0"

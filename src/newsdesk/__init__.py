"""newsdesk: raw news coverage in, a sourced brief out."""

__version__ = "0.1.0"

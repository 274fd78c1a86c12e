"""Trainers of the bundled models: ``newsdesk train NAME`` (one module per model, discovered by the CLI)."""

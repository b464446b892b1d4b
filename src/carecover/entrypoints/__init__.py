"""Entrypoints: the processes and surfaces that assemble the domains (API, web, CLI, worker)."""

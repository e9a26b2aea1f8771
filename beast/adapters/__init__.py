"""Adapters: the one real implementation of each port, wrapping its Azure SDK."""

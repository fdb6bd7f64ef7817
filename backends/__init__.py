"""Backends: one private subpackage per framework, found by name and imported lazily."""

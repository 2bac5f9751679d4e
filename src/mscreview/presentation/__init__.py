"""Presentation: figures, tables and the helpers notebooks call to show and glue results."""

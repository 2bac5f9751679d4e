"""Analysis: counts, syntheses and claims computed from the validated evidence."""

"""Evidence in: reading, validating and importing the data files (extraction forms, search strands, appraisals, tiers)."""

"""Logic of the MSC engraftment review book: every number the book shows is computed here."""

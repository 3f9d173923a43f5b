"""The tour that ``python -m tapegrad`` runs."""

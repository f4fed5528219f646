"""Measuring the classifier as it runs: labeled files imported through the real pipeline."""

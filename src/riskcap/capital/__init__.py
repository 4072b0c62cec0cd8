"""Regulatory capital formulas over risk measures, each citing its Basel paragraph."""

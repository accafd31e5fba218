"""Money in fixed point: exact decimal values and the named roundings of scaled integers."""

"""What a venue lists: instruments (linear and inverse), leverage brackets, the market."""

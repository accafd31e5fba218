"""Read models and queries: histories, income, forced orders, the funds, the market's history."""

"""The exchange's model: commands, events, accounts, orders, the book, matching, settlement,
the ledger, the built-in market maker, conditional orders, the venue state and its snapshot."""

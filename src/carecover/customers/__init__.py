"""Customers: the people insured (party records), their addresses and their PIPL consents."""

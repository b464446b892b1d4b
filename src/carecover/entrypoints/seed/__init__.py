"""The demo world: a deterministic population of customers, cars, policies and partners."""

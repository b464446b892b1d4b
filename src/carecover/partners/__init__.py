"""Partners: the service businesses in the network — their type, locations, service areas
and qualifications."""

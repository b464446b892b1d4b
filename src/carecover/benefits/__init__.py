"""Benefits: the service catalogue, packages built from it, and each vehicle's entitlements."""

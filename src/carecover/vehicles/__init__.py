"""Vehicles: cars identified by VIN and plate, their powertrain, usage and odometer history."""

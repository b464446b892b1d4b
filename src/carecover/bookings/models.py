"""Bookable services, time slots with capacity, and bookings."""

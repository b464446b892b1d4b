"""Bookings (预约): bookable services at partner locations — car wash, maintenance, inspection —
in time slots with capacity; vouchers and package quotas taken at booking, returned on
cancellation."""

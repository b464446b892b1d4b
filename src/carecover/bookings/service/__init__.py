"""The bookings domain's services (they never commit: the caller owns the transaction)."""

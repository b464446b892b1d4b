"""Service orders, their timeline, provider units and their positions, offers, rate cards."""

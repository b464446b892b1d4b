"""The three web faces (owner app, partner portal, staff console) on one layout."""

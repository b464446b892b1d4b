"""HTTP plumbing shared by the API and the web faces: problems, middleware, dependencies."""

"""Server-rendered web plumbing: templates, CSRF, cookie sessions, language choice."""

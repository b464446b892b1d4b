"""Identity and access: users, organisations, roles, permissions, passwords, tokens, sessions."""

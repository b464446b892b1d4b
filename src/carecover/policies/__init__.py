"""Policies: insurance products (交强险, 商业险, NEV clauses), quotes, and the policy lifecycle."""

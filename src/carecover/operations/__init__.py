"""Operations: the staff's view of the platform itself — audit trail, jobs, event delivery."""

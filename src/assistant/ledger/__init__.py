"""Progress ledgers (督查台账): reading, what is behind, the brief, the fact check, the follow-up."""

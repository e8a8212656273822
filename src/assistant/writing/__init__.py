"""Writing: prompts, drafting, draft files and the offline composer."""

"""Prompt files made into chat messages, and model output made back into plain speech text."""

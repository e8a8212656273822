"""Test doubles (fake OpenAI-compatible server)."""

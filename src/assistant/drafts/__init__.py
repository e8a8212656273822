"""Drafts kept for the user: versions (我的稿件), draft files, drafting jobs in the background, browser sessions."""

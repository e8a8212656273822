"""Streamlit views. Widgets and session state only; all work is done by the core."""

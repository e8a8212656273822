"""Data files shipped with the package (word lists, rules, presets); DATA_DIR is where they are."""

from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent

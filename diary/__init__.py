"""The diary app."""

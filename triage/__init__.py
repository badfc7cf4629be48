"""The triage app."""

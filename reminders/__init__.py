"""The reminders app."""

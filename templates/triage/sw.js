// triage: service-worker handlers of this app (none yet).

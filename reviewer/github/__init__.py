"""GitHub: App auth, the client for every call we make, and the job handlers."""

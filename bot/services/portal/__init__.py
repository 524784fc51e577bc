"""The web case room: sign-in state, sessions, and what a case's page shows."""

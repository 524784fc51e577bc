"""The web case room, served under `/portal/` by the same Flask app as `/slack/events`."""

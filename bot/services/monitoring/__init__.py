"""Monitoring, after the overview report: the action plan (`plan`, and `plan_import` from a
CSV file), the progress returns at the Board's interval (`rounds`), the Board's round
summaries and sign-off (`board`), and owners who leave (`departures`); `schema` is what
views share."""

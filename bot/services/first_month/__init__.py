"""The first month of a case: involved agencies, the designated persons' confirmations, the
CPU's checklist, chronologies and synopses."""

"""A referral: its form (`schema`) and the opening of a case from it, with the record of the
case's set-up in Slack (`opening`)."""

"""The case kernel every domain shares: finding a case and its members, the partnership's
roles and agencies (`access`), the audit trail (`audit`), screening free text for the child's
identifiers (`identifying`), and what the case card and `/scr status` show (`card`)."""

"""The decision: the Initial Panel's recommendation, the Board Chair's decision, who outside
Slack was told, and a "not met" path's findings (`schema` for what views share)."""

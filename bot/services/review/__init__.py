"""The review stage after a Serious Case Review is decided: its frame (panel chair, terms of
reference, extension), the management reviews and interviews, the overview report, and the
case card's lines for them. Forms, states and labels shared with the views are in `schema`."""

"""The safeguarding partners' decision on a local review (Child Safeguarding Practice
Reviews): the three partners' leads each confirm it; the national panel's view of it."""

"""What a case sends the national Child Safeguarding Practice Review Panel."""

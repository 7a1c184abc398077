"""The graph of people and expertise that sessions, reviews and messages grow."""

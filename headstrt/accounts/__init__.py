"""People: users, authentication, API tokens, mentor and mentee profiles, expertise taxonomy."""

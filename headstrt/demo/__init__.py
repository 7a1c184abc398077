"""The demo marketplace: a deterministic, believable population of mentors and mentees."""

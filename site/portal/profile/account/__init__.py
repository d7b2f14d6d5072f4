"""Account information (policy 1.3, 5.3 A (1)) and password setting (policy 1.6, 5.3 A (2))."""

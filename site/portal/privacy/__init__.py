"""Privacy: the consent ledger and the rights the policy grants."""

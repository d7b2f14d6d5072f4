"""Quote requests: the customer's side, their drawings, the instant estimate, the staff who quote."""

"""Privacy requests (policy 5.7): every right a customer asks us to act on, with a reference,
a due date 15 working days out, its history, and staff who answer it on time."""

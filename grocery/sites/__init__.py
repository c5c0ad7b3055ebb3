"""Sites: the groceries (épiceries, antennes) of one installation, who works at which, and the current site."""

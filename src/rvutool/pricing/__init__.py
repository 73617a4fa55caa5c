"""What a code and an encounter are worth, and whether Medicare will pay them."""

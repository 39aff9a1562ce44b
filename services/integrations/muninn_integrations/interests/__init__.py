"""What the user's contacts care about, detected offline from the mail and meetings they take
part in, reinforced by each mention and fading without one."""

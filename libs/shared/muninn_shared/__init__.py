"""Code that two or more Muninn services share. No single service's business logic lives here."""

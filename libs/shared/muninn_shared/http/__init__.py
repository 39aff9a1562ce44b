"""HTTP building blocks shared by every service: app factory, middleware, health."""

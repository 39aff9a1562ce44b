"""The credentials vault: users' secrets sealed under per-record data keys, wrapped by a
rotating key ring. Shared by the services that keep secrets (integrations, byod); each has
its own ring and its own ``vault_entries`` collection."""

"""The inventory: many models audited into a store, incremental and resumable (DESIGN section 9)."""

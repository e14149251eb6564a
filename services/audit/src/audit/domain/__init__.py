"""The audit's domain: entries and their hash chain (``chain``), pure, no I/O."""

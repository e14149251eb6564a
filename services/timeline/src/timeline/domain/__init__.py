"""The timeline's domain: where an event goes and how it reads (``placement``), pure, no I/O."""

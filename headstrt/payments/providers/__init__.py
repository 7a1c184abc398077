"""Payment providers behind one interface; ``provider()`` returns the configured one."""

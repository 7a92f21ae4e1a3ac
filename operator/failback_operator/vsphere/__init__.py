"""vCenter adapter: reads the facts the rule catalogue needs through pyvmomi, and applies opted-in fixes."""

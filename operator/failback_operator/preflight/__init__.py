"""The preflight command: the failback checks from YAML files, against vCenter and Site Recovery directly."""

"""failback-operator: brings VMware VMs and physical servers home from Azure Site Recovery."""

__version__ = "0.1.0"

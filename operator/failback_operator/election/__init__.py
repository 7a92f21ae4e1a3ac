"""Leader election: only the replica that holds the operator's Lease acts."""

"""The benchmark: the operator against the limit Site Recovery sets, and against the scripts teams write."""

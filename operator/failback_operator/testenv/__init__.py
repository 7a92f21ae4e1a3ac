"""Local, real parts for tests and the demo: etcd, kube-apiserver and vcsim built from Go modules."""

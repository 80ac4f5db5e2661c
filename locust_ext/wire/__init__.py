"""The wire between master, agents and workers: etcd (the one module importing its client), gRPC security, and
`protocol`, every message name, environment variable and etcd key they share."""

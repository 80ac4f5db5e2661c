"""locust-fleet-agent: announces a load machine in etcd and runs Locust workers for the master."""

"""AgentDirectory run as the master runs it (gevent-patched, gRPC in gevent mode), printing what each one lists.

`python tests/unit/discovery_process.py` reads commands on stdin, one per line: `watch ENDPOINT PREFIX` starts a
directory, `stop PREFIX` stops it. Every 50 ms it prints each directory's `{"prefix", "error", "agents"}` as one
JSON line. The watch needs a patched process, which the test process must not become.
"""

from gevent import monkey

monkey.patch_all()

import json  # noqa: E402
import sys  # noqa: E402

import gevent  # noqa: E402
import grpc.experimental.gevent as grpc_gevent  # noqa: E402
from gevent.fileobject import FileObjectPosix  # noqa: E402

grpc_gevent.init_gevent()

from locust_ext.master.discovery import AgentDirectory  # noqa: E402
from locust_ext.wire.etcd import Etcd  # noqa: E402

directories: dict[str, AgentDirectory] = {}


def read_commands() -> None:
    # A cooperative reader: two commands that arrive together are both read (a select on the buffered sys.stdin
    # would wait for more bytes while the second sat in its buffer).
    for line in FileObjectPosix(sys.stdin.fileno(), "r"):
        command, *args = line.split()
        if command == "watch":
            endpoint, prefix = args
            directories[prefix] = AgentDirectory(Etcd(endpoint, timeout=1), prefix)
            directories[prefix].start()
        elif command == "stop":
            directories.pop(args[0]).stop()
    sys.exit(0)


def main() -> None:
    gevent.spawn(read_commands)
    while True:
        for prefix, directory in list(directories.items()):
            listing = {"prefix": prefix, "error": directory.error, "agents": directory.list()}
            print(json.dumps(listing), flush=True)
        gevent.sleep(0.05)


if __name__ == "__main__":
    main()

"""Entry point of a parsing sandbox worker: `python -m ingestion.worker IN_FD OUT_FD MEMORY_MB`."""

import sys

from ingestion.sandbox import worker_main

if __name__ == "__main__":
    worker_main(int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]))

#!/bin/sh
# The barrier and the exchange on 2 processes of this machine (1 worker each), with nothing else: to hold
# against Rust timely's `barrier` and `exchange` examples (-n 2 -p 0/1) on the same machine. Needs a
# build (npm run build). Prints each worker's iterations or records and its milliseconds, through the
# main threads' links (gateway) and over the workers' own (direct).
set -e
cd "$(dirname "$0")/.."
ROUNDS=${ROUNDS:-100000}
RECORDS=${RECORDS:-10000000}
for LINKS in gateway direct; do
  ASYNC=$([ "$LINKS" = direct ] && echo ',"async":true' || true)
  echo "barrier, $ROUNDS rounds, 2 processes x 1 worker, $LINKS links:"
  node dist/src/cli/main.js run dist/bench/jobs/barrier.js -n 2 --local --links "$LINKS" --args "{\"iterations\":$ROUNDS$ASYNC}"
  echo "exchange, $RECORDS records in all, 2 processes x 1 worker, $LINKS links:"
  node dist/src/cli/main.js run dist/bench/jobs/exchange.js -n 2 --local --links "$LINKS" --args "{\"records\":$RECORDS$ASYNC}"
done

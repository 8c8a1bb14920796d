#!/usr/bin/env bash
# Run every fuzz target under ./webhooks/... for the given duration each, one at a time,
# and stop at the first failure. Go fuzzes one target per run, so each gets its own.
#
#   hack/fuzz.sh 5s        # the duration is any value that go test -fuzztime accepts
#
# A failing input is written to testdata/fuzz/<Target>/ in the package, where plain
# go test replays it from then on.
set -euo pipefail

if [[ $# -ne 1 ]]; then
	echo "usage: $0 <duration, such as 5s or 1m>" >&2
	exit 2
fi
fuzztime=$1

cd "$(dirname "$0")/.."

for package in $(go list ./webhooks/...); do
	targets=$(go test -list '^Fuzz' "$package" | grep '^Fuzz' || true)
	for target in $targets; do
		echo "Fuzzing $target in $package for $fuzztime"
		go test -run '^$' -fuzz "^${target}\$" -fuzztime "$fuzztime" "$package"
	done
done

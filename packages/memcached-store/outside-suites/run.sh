#!/bin/sh
# Runs express-session's and @fastify/session's own test suites with
# @stickless/memcached-store in place of their MemoryStore, against two real
# memcached servers each test process starts (and stops by PID).
#
#   packages/memcached-store/outside-suites/run.sh [express-session checkout] [@fastify/session checkout]
#
# Each argument is a git URL or a local clone (default: the GitHub repositories).
# They are cloned into a temporary directory, their dev dependencies installed
# from the npm registry, and nothing of theirs is kept. Build the store first
# (npx tsc -b packages/memcached-store).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
es=${1:-https://github.com/expressjs/session.git}
fs=${2:-https://github.com/fastify/session.git}

git clone -q "$es" "$work/express-session"
cd "$work/express-session"
npm install --no-audit --no-fund --ignore-scripts >/dev/null
./test/support/gencert.sh >/dev/null 2>&1
echo "express-session $(node -p 'require("./package.json").version'), MemoryStore:"
npx mocha --require test/support/env --check-leaks --exit --reporter dot test/ 2>&1 | grep -E 'passing|failing' || true
echo "express-session, @stickless/memcached-store:"
SWAP_REPORT=1 npx mocha --require test/support/env --require "$here/express-session-swap.cjs" --check-leaks --exit --reporter spec test/ 2>&1 | grep -E 'passing|failing|^  [0-9]+\) |swap\]' || true

git clone -q "$fs" "$work/fastify-session"
cd "$work/fastify-session"
npm install --no-audit --no-fund --ignore-scripts >/dev/null
echo "@fastify/session $(node -p 'require("./package.json").version'), MemoryStore:"
node --test --test-reporter=tap 2>&1 | grep -E '^# (tests|pass|fail)' || true
echo "@fastify/session, @stickless/memcached-store:"
NODE_OPTIONS="--require $here/fastify-session-swap.cjs" node --test --test-reporter=tap 2>&1 | grep -E '^# (tests|pass|fail)|^not ok' || true

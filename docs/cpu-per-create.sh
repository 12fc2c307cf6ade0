#!/usr/bin/env bash
# CPU per create at a fixed rate: the service's and PostgreSQL's, from /proc.
# usage, from the repository root: docs/cpu-per-create.sh <label> [READMODEL_URL]
# RATE (default 2000) is the creates per second the load generator paces.
set -euo pipefail
label=$1; rm_url=${2:-}
work=$(mktemp -d); bin=$work/customersvc
go build -o "$bin" ./cmd/customersvc
secret=cpu-bench-secret-0123456789abcdef0123
READMODEL_URL=$rm_url AUTH_HS256_SECRET=$secret NATS_URL= "$bin" --http-addr 127.0.0.1:18181 --admin-addr "" --data-dir "$work/data" --log-level warn 2>"$work/log" &
pid=$!
until curl -sf localhost:18181/readyz >/dev/null; do sleep 0.2; done
ticks() { awk '{print $14+$15}' /proc/$1/stat 2>/dev/null || echo 0; }
pgticks() { local t=0; for p in $(pgrep -x postgres); do t=$((t + $(ticks $p))); done; echo $t; }
s0=$(ticks $pid); p0=$(pgticks)
go run ./cmd/loadgen run -url http://127.0.0.1:18181 -secret $secret -c 64 -d 30s -rate ${RATE:-2000} -json "$work/run.json" >/dev/null 2>&1
s1=$(ticks $pid); p1=$(pgticks)
creates=$(python3 -c "import json;d=json.load(open('$work/run.json'));d=d[0] if isinstance(d,list) else d;print(d['created'])")
kill -INT $pid; wait $pid || true
hz=$(getconf CLK_TCK)
python3 - "$label" "$s0" "$s1" "$p0" "$p1" "$hz" "$creates" <<'PY'
import sys
label,s0,s1,p0,p1,hz,creates=sys.argv[1:]
s=(int(s1)-int(s0))/int(hz); p=(int(p1)-int(p0))/int(hz)
try: n=int(creates)
except: n=None
print(f"{label}: service {s:.1f} s CPU, postgres {p:.1f} s CPU, creates {creates}", end="")
if n: print(f", service {s/n*1e6:.0f} us/create, postgres {p/n*1e6:.0f} us/create, total {(s+p)/n*1e6:.0f} us/create")
else: print()
PY
rm -rf "$work"

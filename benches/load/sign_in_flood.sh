#!/usr/bin/env bash
# A sign-in flood from many addresses (behind the proxy, each guess from another
# X-Forwarded-For) while a real user signs in from a browser they used before, and
# while a stranger (no device cookie) signs in too. Reports each one's sign-in
# latency (p50, max), how many went through, and /healthz latency during the flood.
#
#   bash benches/load/sign_in_flood.sh [BOTS] [SECONDS]      (default 32 bots, 20 s)
set -euo pipefail
cd "$(dirname "$0")/../.."
cargo build --release --quiet
work=$(mktemp -d)
trap 'kill "$server" 2>/dev/null || true; rm -rf "$work"' EXIT
export YARDSTICK_DATABASE_URL="sqlite://$work/flood.db?mode=rwc" YARDSTICK_BEHIND_PROXY=true
target/release/yardstick serve --demo --bind 127.0.0.1:18182 >"$work/server.log" 2>&1 &
server=$!
for _ in $(seq 100); do curl -sf http://127.0.0.1:18182/healthz >/dev/null && break; sleep 0.1; done

python3 - "${1:-32}" "${2:-20}" <<'PY'
import http.cookiejar, re, statistics, sys, threading, time, urllib.error, urllib.parse, urllib.request

BASE = "http://127.0.0.1:18182"
bots, seconds = int(sys.argv[1]), float(sys.argv[2])

class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args):
        return None

def browser():
    jar = http.cookiejar.CookieJar()
    return urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect)

def sign_in(opener, name, password, address=None):
    page = opener.open(BASE + "/login").read().decode()
    csrf = re.search(r'name="csrf" value="([^"]*)"', page).group(1)
    body = urllib.parse.urlencode({"username": name, "password": password, "csrf": csrf}).encode()
    request = urllib.request.Request(BASE + "/login", data=body)
    if address:
        request.add_header("X-Forwarded-For", address)
    try:
        return opener.open(request).status
    except urllib.error.HTTPError as e:
        return e.code

owner = browser()
assert sign_in(owner, "rep.p002", "yardstick-demo") == 303, "the owner signs in before the flood"

stop = threading.Event()
sent = [0] * bots
def bot(i):
    opener = browser()
    while not stop.is_set():
        n = sent[i]
        name = "rep.p002" if n % 2 == 0 else f"bot{i}-{n}"
        sign_in(opener, name, "guess", f"10.{i % 250}.{n // 250 % 250}.{n % 250 + 1}")
        sent[i] += 1
threads = [threading.Thread(target=bot, args=(i,), daemon=True) for i in range(bots)]
for t in threads:
    t.start()
time.sleep(2)

def timed(f):
    start = time.monotonic()
    result = f()
    return result, time.monotonic() - start

owner_times, owner_ok, stranger_times, stranger_ok, health = [], 0, [], 0, []
deadline = time.monotonic() + seconds
while time.monotonic() < deadline:
    status, took = timed(lambda: sign_in(owner, "rep.p002", "yardstick-demo"))
    owner_times.append(took); owner_ok += status == 303
    status, took = timed(lambda: sign_in(browser(), "rep.p003", "yardstick-demo", "192.0.2.7"))
    stranger_times.append(took); stranger_ok += status == 303
    _, took = timed(lambda: urllib.request.urlopen(BASE + "/healthz").read())
    health.append(took)
stop.set()

def line(label, times, ok=None):
    tail = f", {ok} of {len(times)} signed in" if ok is not None else ""
    print(f"{label}: p50 {statistics.median(times) * 1000:.0f} ms, max {max(times) * 1000:.0f} ms{tail}")
print(f"flood: {bots} bots, {sum(sent)} guesses in {seconds + 2:.0f} s")
line("owner (known browser)", owner_times, owner_ok)
line("stranger (new browser)", stranger_times, stranger_ok)
line("/healthz", health)
PY

-- wrk script: many concurrent USSD sessions, each walking the navigation hops in turn.
-- Each wrk thread round-robins over SLOTS sessions (SLOTS >> connections), so a session's
-- next hop is sent long after its previous one was answered; a finished walk starts a new
-- session with a fresh sessionId and phone number. done() prints one JSON line for bench/.
local hops = {}
-- The walk's texts, one per line (a citizen's text may hold commas, never a newline); one
-- capture per newline-terminated field, so an empty first hop stays one hop.
for hop in string.gmatch((os.getenv("BENCH_HOPS") or "\n9\n9*2\n9*2*1") .. "\n", "([^\n]*)\n") do
  table.insert(hops, hop)
end
local slots_n = tonumber(os.getenv("BENCH_SLOTS") or "400")
local path = os.getenv("BENCH_PATH") or "/ussd/africastalking"
local run = os.getenv("BENCH_RUN") or "0"
-- BENCH_FRESH=1: every request opens a new session, its text the walk's next entry in turn
-- (the Node peer comparison: half first hops, half dial-throughs "9*2").
local fresh = os.getenv("BENCH_FRESH") == "1"
local turn = 0
local threads = {}
tid = 0  -- a global, so setup()'s thread:set reaches it in each thread's own state

function setup(thread)
  tid = tid + 1
  thread:set("tid", tid)
  table.insert(threads, thread)
end

local function urlencode(s)
  return (string.gsub(s, "([^%w%-_%.~])", function(c)
    return string.format("%%%02X", string.byte(c)) end))
end

local slots, cursor, started = {}, 0, 0

local function new_session(slot, last)
  started = started + 1
  -- BENCH_RUN differs per wrk run: a session id never meets a walk an earlier run left in Redis
  slot.id = string.format("bench-%s-%d-%d-%d", run, tid, started, math.random(1, 1000000000))
  slot.phone = string.format("%%2B25571%07d", math.random(0, 9999999))
  slot.hop = 1
  slot.last = last or #hops
end

function init(args)
  math.randomseed(os.time() + tid)
  for i = 1, slots_n do
    slots[i] = {}
    -- Each slot's first walk is cut short after a different hop (the citizen hangs up), so
    -- the sessions are spread over the walk's hops rather than all at the same one at once.
    new_session(slots[i], (i - 1) % #hops + 1)
  end
  wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
end

function request()
  if fresh then
    turn = turn % #hops + 1
    started = started + 1
    return wrk.format("POST", path, nil, string.format(
      "sessionId=bench-%s-%d-%d&serviceCode=%%2A152%%2A00%%23&phoneNumber=%%2B25571%07d"
      .. "&networkCode=63902&text=%s", run, tid, started, math.random(0, 9999999),
      urlencode(hops[turn])))
  end
  cursor = cursor % slots_n + 1
  local slot = slots[cursor]
  local body = "sessionId=" .. slot.id .. "&serviceCode=%2A152%2A00%23&phoneNumber="
    .. slot.phone .. "&networkCode=63902&text=" .. urlencode(hops[slot.hop])
  slot.hop = slot.hop + 1
  if slot.hop > slot.last then new_session(slot) end
  return wrk.format("POST", path, nil, body)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCHJSON {"requests":%d,"duration_us":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,'
    .. '"max_us":%d,"mean_us":%.1f,"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, latency.mean, e.connect, e.read, e.write, e.status,
    e.timeout))
end

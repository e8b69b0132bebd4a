-- Shared by every scenario (loaded with dofile): counts every answer outside 2xx (3xx
-- included, which wrk's own "Non-2xx or 3xx" line does not) per thread, and reports one
-- machine-readable line that bench/run.py parses.

local threads = {}
local next_id = 0

bad = 0
last_bad = 0
exhausted = 0

function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

function response(status, headers, body)
  if status < 200 or status > 299 then
    bad = bad + 1
    last_bad = status
  end
end

function done(summary, latency, requests)
  local non2xx, last, empty = 0, 0, 0
  for _, thread in ipairs(threads) do
    non2xx = non2xx + thread:get("bad")
    empty = empty + thread:get("exhausted")
    if thread:get("last_bad") ~= 0 then last = thread:get("last_bad") end
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH_RESULT {"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, "max_us": %d, ' ..
    '"non2xx": %d, "last_non2xx": %d, "socket_errors": %d, "timeouts": %d, "exhausted": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), latency.max,
    non2xx, last, e.connect + e.read + e.write, e.timeout, empty))
end

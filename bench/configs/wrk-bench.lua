-- wrk script of the benchmark (bench/src/load-tool.ts):
--   wrk ... -s wrk-bench.lua URL -- [COOKIE_FILE|-] [METHOD] [BODY]
-- Each request is built once, in init(): one per line of COOKIE_FILE (a
-- "sid=..." cookie each, so load rotates over many sessions), or a single one
-- without it. Every case runs through this same script, so the per-request
-- Lua cost is the same for all of them. done() prints one JSON line.

local thread_count = 0
function setup(thread)
  thread:set("tid", thread_count)
  thread_count = thread_count + 1
end

local reqs = {}
local n = 0
local i = 0

function init(args)
  local file = args[1]
  local method = args[2] or "GET"
  local body = args[3]
  local base = {}
  if body ~= nil then base["Content-Type"] = "application/json" end
  if file ~= nil and file ~= "" and file ~= "-" then
    for line in io.lines(file) do
      local headers = { Cookie = line }
      for k, v in pairs(base) do headers[k] = v end
      reqs[#reqs + 1] = wrk.format(method, nil, headers, body)
    end
  else
    reqs[1] = wrk.format(method, nil, base, body)
  end
  n = #reqs
  -- threads start at different points of the list
  i = ((tid or 0) * 7919) % n
end

function request()
  i = i + 1
  if i > n then i = 1 end
  return reqs[i]
end

function done(summary, latency, requests)
  -- no answer at all (a target overloaded for the whole run): the latencies
  -- are NaN, which %d cannot print; report zeros so the caller sees 0 requests
  local none = summary.requests == 0
  local function us(v) if none or v ~= v then return 0 end return v end
  io.write(string.format(
    'WRK_JSON {"requests":%d,"durationUs":%d,"bytes":%d,"connectErrors":%d,"readErrors":%d,"writeErrors":%d,"statusErrors":%d,"timeouts":%d,"p50Us":%d,"p90Us":%d,"p99Us":%d,"maxUs":%d,"meanUs":%.1f}\n',
    summary.requests, summary.duration, summary.bytes,
    summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.status, summary.errors.timeout,
    us(latency:percentile(50)), us(latency:percentile(90)), us(latency:percentile(99)), us(latency.max), us(latency.mean)))
end

-- wrk script for the benchmark: POSTs request bodies and prints a machine-readable summary.
-- Env: BENCH_BODY (file with the bodies: one, or several of BENCH_BODY_SIZE bytes each, back
-- to back), BENCH_BODY_SIZE (optional), BENCH_HEADERS (optional "Name: value" lines).
-- With several bodies the thread sends them in turn.
local file = assert(os.getenv("BENCH_BODY"), "BENCH_BODY not set")
local f = assert(io.open(file, "rb"))
local data = f:read("*a")
f:close()
local size = tonumber(os.getenv("BENCH_BODY_SIZE") or "") or #data
assert(size > 0 and #data % size == 0, "BENCH_BODY is not a whole number of BENCH_BODY_SIZE bodies")

wrk.method = "POST"
wrk.body = data:sub(1, size)
wrk.headers["Content-Type"] = "application/json"
for line in (os.getenv("BENCH_HEADERS") or ""):gmatch("[^\n]+") do
  local name, value = line:match("^([^:]+):%s*(.*)$")
  if name then
    wrk.headers[name] = value
  end
end

local formatted = {}
local next_request = 1

function init(args)
  if #data > size then
    for at = 1, #data, size do
      formatted[#formatted + 1] = wrk.format(nil, nil, nil, data:sub(at, at + size - 1))
    end
  end
end

if #data > size then
  function request()
    local r = formatted[next_request]
    next_request = next_request % #formatted + 1
    return r
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_RESULT {"requests":%d,"duration_us":%d,"bytes":%d,"connect":%d,"read":%d,' ..
    '"write":%d,"status":%d,"timeout":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,' ..
    '"max_us":%d,"mean_us":%.2f}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write,
    e.status, e.timeout, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, latency.mean))
end

-- wrk script for the end-to-end benchmark. Run with as many connections as threads (-t N -c N):
-- wrk keeps one Lua state per thread, so with one connection per thread every response belongs
-- to the request just sent. Each thread plays E2E_USERS visitors in turn; a visitor's first
-- request has no cookie (the application creates a session), later ones send the cookie that
-- the first response set.
local users = tonumber(os.getenv("E2E_USERS") or "250")
local cookies = {}
local current = 0
local bad = 0

request = function()
  current = current % users + 1
  local cookie = cookies[current]
  if cookie then
    return wrk.format("GET", "/", { ["Cookie"] = cookie })
  end
  return wrk.format("GET", "/")
end

response = function(status, headers, body)
  local set = headers["Set-Cookie"]
  if set then
    cookies[current] = set:match("^([^;]+)")
  end
  if status ~= 200 then
    bad = bad + 1
  end
end

done = function(summary, latency, requests)
  io.write(string.format(
    'E2E {"requests":%d,"durationUs":%d,"connectErrors":%d,"readErrors":%d,"timeouts":%d,' ..
    '"non2xx":%d,"rps":%.1f,"meanUs":%.1f,"p50Us":%d,"p90Us":%d,"p99Us":%d,"p999Us":%d,"maxUs":%d}\n',
    summary.requests, summary.duration, summary.errors.connect, summary.errors.read,
    summary.errors.timeout, summary.errors.status, summary.requests / (summary.duration / 1e6),
    latency.mean, latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency:percentile(99.9), latency.max))
end

-- wrk script: GET of a fixed path (the /healthz reference), same reporting as events.lua.
-- Environment: CLOSE (set: "Connection: close"), TOKEN (optional Bearer token).
function init(args)
  if os.getenv("CLOSE") then wrk.headers["Connection"] = "close" end
  if os.getenv("TOKEN") then wrk.headers["Authorization"] = "Bearer " .. os.getenv("TOKEN") end
end

function done(summary, latency, requests)
  io.write(string.format('{"requests":%d,"seconds":%.3f,"accepted":%d,"other_status":%d,' ..
    '"socket_errors":%d,"p50_ms":%.3f,"p90_ms":%.3f,"p99_ms":%.3f,"max_ms":%.3f}\n',
    summary.requests, summary.duration / 1e6, summary.requests - summary.errors.status, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000))
end

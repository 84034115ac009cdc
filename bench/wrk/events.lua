-- wrk script: POST /v1/events with a realistic CloudTrail RunInstances event, a fresh
-- event id and instance id on every request (so every request is a new event, not a
-- duplicate). Environment: EVENT_TEMPLATE (file with {{ID}} and {{IID}}), TOKEN,
-- DELAY_MS (per-connection pause between requests, for a target rate), CLOSE (set:
-- "Connection: close" on every request, as EventBridge sends).
-- TARGETS (optional; run wrk with -t1): a file of "account region instance-id image-id"
-- lines; request k fills {{ACCT}}, {{REGION}}, {{IID}} and {{AMI}} from line k, and once
-- the lines are used up the thread stops (a last request per connection resends the
-- previous body, which the server answers as a duplicate and does not evaluate again).
local threads = {}
local next_tid = 1

function setup(thread)
  thread:set("tid", next_tid)
  next_tid = next_tid + 1
  table.insert(threads, thread)
end

function init(args)
  local f = assert(io.open(os.getenv("EVENT_TEMPLATE"), "r"))
  tmpl = f:read("*a")
  f:close()
  delay_ms = tonumber(os.getenv("DELAY_MS") or "0")
  -- RUN_NONCE (1..65535) keeps ids unique across runs against one database.
  nonce = tonumber(os.getenv("RUN_NONCE") or "0") % 65536
  counter = 0
  bad = 0
  ok = 0
  wrk.method = "POST"
  wrk.path = "/v1/events"
  wrk.headers["Authorization"] = "Bearer " .. os.getenv("TOKEN")
  wrk.headers["Content-Type"] = "application/json; charset=utf-8"
  if os.getenv("CLOSE") then wrk.headers["Connection"] = "close" end
  if os.getenv("TARGETS") then
    targets = {}
    for line in io.lines(os.getenv("TARGETS")) do
      local a, r, i, m = line:match("^(%S+) (%S+) (%S+) (%S+)$")
      if a then table.insert(targets, {acct = a, region = r, iid = i, ami = m}) end
    end
  end
end

function request()
  counter = counter + 1
  local id = string.format("%04x%04x-%04x-4%03x-8%03x-%06x%06x", nonce, tid, counter % 65536, tid % 4096,
                           math.floor(counter / 65536) % 4096, math.floor(counter / 16777216) % 16777216,
                           counter % 16777216)
  local iid = string.format("i-%04x%01x%06x%06x", nonce, tid % 16, math.floor(counter / 16777216) % 16777216,
                            counter % 16777216)
  local body
  if targets then
    local t = targets[counter]
    if not t then
      wrk.thread:stop()
      return last_request or wrk.format("GET", "/healthz")
    end
    body = tmpl:gsub("{{ID}}", id):gsub("{{IID}}", t.iid):gsub("{{AMI}}", t.ami):gsub("{{ACCT}}", t.acct)
               :gsub("{{REGION}}", t.region)
  else
    body = tmpl:gsub("{{ID}}", id):gsub("{{IID}}", iid)
  end
  last_request = wrk.format(nil, nil, nil, body)
  return last_request
end

function delay()
  return delay_ms
end

function response(status, headers, body)
  if status == 202 then ok = ok + 1 else bad = bad + 1 end
end

function done(summary, latency, requests)
  local total_ok, total_bad = 0, 0
  for _, t in ipairs(threads) do
    total_ok = total_ok + t:get("ok")
    total_bad = total_bad + t:get("bad")
  end
  io.write(string.format('{"requests":%d,"seconds":%.3f,"accepted":%d,"other_status":%d,' ..
    '"socket_errors":%d,"p50_ms":%.3f,"p90_ms":%.3f,"p99_ms":%.3f,"max_ms":%.3f}\n',
    summary.requests, summary.duration / 1e6, total_ok, total_bad,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000))
end

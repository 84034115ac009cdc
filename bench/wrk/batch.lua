-- wrk script: POST /v1/events with a JSON array of BATCH events (a Custom Event Bus
-- subscriber's delivery), each a realistic event from EVENT_TEMPLATE with a fresh event
-- id and instance id, so every item is a new event. Environment: EVENT_TEMPLATE (file
-- with {{ID}} and {{IID}}), TOKEN, BATCH (items per request, default 10), DELAY_MS
-- (per-connection pause between requests, for a target rate), CLOSE (set:
-- "Connection: close" on every request, as EventBridge sends), RUN_NONCE (1..65535:
-- unique ids across runs against one database), WITH_METADATA (set: items in the
-- WITH_METADATA shape instead of RAW).
-- A request counts as ok when it is answered 200 with every item accepted.
local threads = {}
local next_tid = 1

function setup(thread)
  thread:set("tid", next_tid)
  next_tid = next_tid + 1
  table.insert(threads, thread)
end

function init(args)
  local f = assert(io.open(os.getenv("EVENT_TEMPLATE"), "r"))
  tmpl = f:read("*a"):gsub("%s+$", "")
  f:close()
  batch = tonumber(os.getenv("BATCH") or "10")
  delay_ms = tonumber(os.getenv("DELAY_MS") or "0")
  nonce = tonumber(os.getenv("RUN_NONCE") or "0") % 65536
  with_metadata = os.getenv("WITH_METADATA") ~= nil
  counter = 0
  ok = 0
  bad = 0
  wrk.method = "POST"
  wrk.path = "/v1/events"
  wrk.headers["Authorization"] = "Bearer " .. os.getenv("TOKEN")
  wrk.headers["Content-Type"] = "application/eventbridge+json"
  if os.getenv("CLOSE") then wrk.headers["Connection"] = "close" end
  want = string.format('"accepted":%d,', batch)
end

function request()
  local items = {}
  for k = 1, batch do
    counter = counter + 1
    local id = string.format("%04x%04x-%04x-4%03x-8%03x-%06x%06x", nonce, tid, counter % 65536, tid % 4096,
                             math.floor(counter / 65536) % 4096, math.floor(counter / 16777216) % 16777216,
                             counter % 16777216)
    local iid = string.format("i-%04x%01x%06x%06x", nonce, tid % 16, math.floor(counter / 16777216) % 16777216,
                              counter % 16777216)
    local ev = tmpl:gsub("{{ID}}", id):gsub("{{IID}}", iid)
    if with_metadata then
      ev = '{"Data":' .. ev .. ',"Metadata":{},"SystemMetadata":{"ContentType":"application/eventbridge+json",' ..
           '"aws:EventId":"m-' .. id .. '","aws:DeliveryType":"LIVE"}}'
    end
    items[k] = ev
  end
  return wrk.format(nil, nil, nil, "[" .. table.concat(items, ",") .. "]")
end

function delay()
  return delay_ms
end

function response(status, headers, body)
  if status == 200 and body:find(want, 1, true) then ok = ok + 1 else bad = bad + 1 end
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

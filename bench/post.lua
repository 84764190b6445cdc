-- wrk script: POSTs pre-signed, distinct Mailgun events, each exactly once.
-- Usage: wrk ... -s bench/post.lua URL -- SIGNATURES_FILE THREADS
-- SIGNATURES_FILE lines: "<id> <timestamp> <token> <signature>" (bench/bench.py writes it).
-- Thread k of n takes lines k, k+n, k+2n, … so no two threads send the same event.

local counter = 0
function setup(thread)
  thread:set("thread_index", counter)
  counter = counter + 1
end

local events = {}
local next_event = 0
local template = '{"signature":{"timestamp":"%s","token":"%s","signature":"%s"},' ..
  '"event-data":{"id":"%s","event":"delivered","timestamp":%s.25,"recipient":"alice@example.com",' ..
  '"tags":["bench"],"user-variables":{"customer":"42"},' ..
  '"envelope":{"sender":"postmaster@mg.example.com","targets":"alice@example.com","transport":"smtp"},' ..
  '"message":{"headers":{"message-id":"%s@mg.example.com","to":"Alice <alice@example.com>",' ..
  '"from":"Bob <bob@mg.example.com>","subject":"Your order has shipped"}},' ..
  '"delivery-status":{"code":250,"message":"OK","description":"","tls":true,"mx-host":"mx.example.com"}}}'

function init(args)
  local path, threads = args[1], tonumber(args[2])
  local line_number = 0
  for line in io.lines(path) do
    if line_number % threads == thread_index then
      events[#events + 1] = line
    end
    line_number = line_number + 1
  end
  wrk.headers["Content-Type"] = "application/json"
end

function request()
  next_event = next_event + 1
  local line = events[next_event]
  if line == nil then
    -- Out of events: ask for a path that answers 404, counted as non-2xx (never a repeat).
    return wrk.format("POST", "/bench/exhausted", nil, "{}")
  end
  local id, ts, token, sig = line:match("(%S+) (%S+) (%S+) (%S+)")
  return wrk.format("POST", nil, nil, string.format(template, ts, token, sig, id, ts, id))
end

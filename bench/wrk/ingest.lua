-- POST /api/v1/events: batches of 50 events (5 contents: a view, 8 progress reports 15 s
-- apart, a complete), every event a fresh random UUID, each batch from a random learner
-- of BENCH_TOKENS, contents drawn from 1..BENCH_CONTENTS. Counts the accepted events.
dofile(os.getenv("BENCH_WRK_DIR") .. "/common.lua")

local tokens, contents
accepted = 0

function init(args)
  seed_random()
  tokens = read_lines(os.getenv("BENCH_TOKENS"))
  contents = tonumber(os.getenv("BENCH_CONTENTS"))
end

local function uuid()
  return string.format("%04x%04x-%04x-4%03x-%04x-%04x%04x%04x",
    math.random(0, 0xffff), math.random(0, 0xffff), math.random(0, 0xffff), math.random(0, 0xfff),
    math.random(0x8000, 0xbfff), math.random(0, 0xffff), math.random(0, 0xffff), math.random(0, 0xffff))
end

function request()
  local now = os.time()
  local events = {}
  for _ = 1, 5 do
    local content = math.random(contents)
    for step = 0, 9 do
      local kind, position = "progress", string.format(',"position_s":%d', step * 15)
      if step == 0 then kind, position = "view", "" end
      if step == 9 then kind, position = "complete", "" end
      local at = os.date("!%Y-%m-%dT%H:%M:%SZ", now - (50 - #events) * 15)
      events[#events + 1] = string.format('{"id":"%s","kind":"%s","content_id":%d%s,"occurred_at":"%s"}',
        uuid(), kind, content, position, at)
    end
  end
  local headers = {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. tokens[math.random(#tokens)],
  }
  return wrk.format("POST", "/api/v1/events", headers, '{"events":[' .. table.concat(events, ",") .. "]}")
end

function response(status, headers, body)
  local n = body and body:match('"accepted":(%d+)')
  if n then accepted = accepted + tonumber(n) end
end

-- Shared by the bench scripts (loaded with dofile): thread ids and random seeds, files
-- of lines, and the one result line the bench reads from done().

local threads = {}
local count = 0

function setup(thread)
  count = count + 1
  thread:set("id", count)
  table.insert(threads, thread)
end

-- Each thread its own sequence, or every thread would send the same requests.
function seed_random()
  math.randomseed(os.time() * 1000 + (id or 0) * 7919)
  for _ = 1, 10 do math.random() end
end

function read_lines(path)
  local lines = {}
  local file = assert(io.open(path, "r"), "cannot open " .. tostring(path))
  for line in file:lines() do
    if line ~= "" then lines[#lines + 1] = line end
  end
  file:close()
  assert(#lines > 0, "no lines in " .. path)
  return lines
end

-- The lines of the file named by an environment variable, or nil when it is unset.
function optional_lines(variable)
  local path = os.getenv(variable)
  if path == nil or path == "" then return nil end
  return read_lines(path)
end

function done(summary, latency, requests)
  local accepted = 0
  for _, thread in ipairs(threads) do
    accepted = accepted + (tonumber(thread:get("accepted")) or 0)
  end
  local e = summary.errors
  io.write(string.format(
    "WRK_RESULT requests=%d duration_us=%d p50_us=%.0f p99_us=%.0f status_errors=%d connect_errors=%d " ..
    "read_errors=%d write_errors=%d timeouts=%d accepted=%d\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), e.status, e.connect,
    e.read, e.write, e.timeout, accepted))
end

-- GET a random path from the file BENCH_PATHS; with BENCH_TOKENS, as a random learner
-- from that file of access tokens; with BENCH_RANGE, a random aligned byte range of that
-- many bytes within the first BENCH_RANGE_OF bytes.
dofile(os.getenv("BENCH_WRK_DIR") .. "/common.lua")

local paths, tokens, range, range_of

function init(args)
  seed_random()
  paths = read_lines(os.getenv("BENCH_PATHS"))
  tokens = optional_lines("BENCH_TOKENS")
  range = tonumber(os.getenv("BENCH_RANGE") or "")
  range_of = tonumber(os.getenv("BENCH_RANGE_OF") or "")
end

function request()
  local headers = {}
  if tokens then
    headers["Authorization"] = "Bearer " .. tokens[math.random(#tokens)]
  end
  if range then
    local start = (math.random(math.floor(range_of / range)) - 1) * range
    headers["Range"] = string.format("bytes=%d-%d", start, start + range - 1)
  end
  return wrk.format("GET", paths[math.random(#paths)], headers)
end

-- POST /api/v1/auth/login as a random learner (learner1..learnerBENCH_LEARNERS, all
-- with the password BENCH_PASSWORD): one argon2 verification per request.
dofile(os.getenv("BENCH_WRK_DIR") .. "/common.lua")

local learners, password

function init(args)
  seed_random()
  learners = tonumber(os.getenv("BENCH_LEARNERS"))
  password = os.getenv("BENCH_PASSWORD")
end

function request()
  local body = string.format('{"username":"learner%d","password":"%s"}', math.random(learners), password)
  return wrk.format("POST", "/api/v1/auth/login", { ["Content-Type"] = "application/json" }, body)
end

-- POST /api/token/refresh/: each refresh token is revoked by its first use, so every
-- request sends a new one, read from this thread's pool file (BENCH_TOKENS_PREFIX<id>.txt).
-- A thread that runs out sends an invalid token (a 401, counted) and counts "exhausted".
dofile(os.getenv("BENCH_WRK_DIR") .. "/common.lua")

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"

function init(args)
  pool = {}
  for line in io.lines(os.getenv("BENCH_TOKENS_PREFIX") .. id .. ".txt") do
    pool[#pool + 1] = line
  end
  used = 0
end

function request()
  used = used + 1
  local token = pool[used]
  if token == nil then
    exhausted = exhausted + 1
    token = "exhausted"
  end
  return wrk.format(nil, nil, nil, '{"refresh": "' .. token .. '"}')
end

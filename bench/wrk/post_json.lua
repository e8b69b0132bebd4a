-- POST or PATCH a fixed JSON body (task create, task update, login, bare hasher).
-- BENCH_ACCESS is optional: login and the bare hasher need no token.
dofile(os.getenv("BENCH_WRK_DIR") .. "/common.lua")

wrk.method = os.getenv("BENCH_METHOD") or "POST"
wrk.body = os.getenv("BENCH_BODY")
wrk.headers["Content-Type"] = "application/json"
local access = os.getenv("BENCH_ACCESS")
if access ~= nil and access ~= "" then
  wrk.headers["Authorization"] = "Bearer " .. access
end

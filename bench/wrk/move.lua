-- wrk script: moves random deals to a random open stage (POST /api/v1/deals/{id}/move)
local n = 0
function setup(thread)
  n = n + 1
  thread:set("tid", n)
end

function init(args)
  deals = tonumber(args[1] or "1000")
  stages = {}
  for s in string.gmatch(args[2] or "1", "%d+") do table.insert(stages, s) end
  math.randomseed(os.time() * 100 + tid)
end

function request()
  local d = math.random(1, deals)
  local body = '{"stage_id":' .. stages[math.random(1, #stages)] .. '}'
  return wrk.format("POST", "/api/v1/deals/" .. d .. "/move",
    {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. os.getenv("KL_KEY")}, body)
end

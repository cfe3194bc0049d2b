-- wrk script: requests from a pool of 20,000 phones (POST /api/v1/leads): new people become cards and leads, the
-- same person again joins their open lead or is attached to their open deal (the repeat-request rule)
local n = 0
function setup(thread)
  n = n + 1
  thread:set("tid", n)
end

function init(args)
  math.randomseed(os.time() * 100 + tid)
end

function request()
  local phone = string.format("+7916%07d", math.random(1, 20000))
  local body = '{"customer":{"phone":"' .. phone .. '"},"channel":"form","text":"Пришлите прайс","utm_source":"bench"}'
  return wrk.format("POST", "/api/v1/leads",
    {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. os.getenv("KL_KEY")}, body)
end

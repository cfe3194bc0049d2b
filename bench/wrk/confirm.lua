-- wrk script: confirms of new orders by random customers, some paying with points (every body is a new order)
local n = 0
function setup(thread)
  n = n + 1
  thread:set("tid", n)
end

function init(args)
  customers = tonumber(args[1] or "1000")
  run = args[2] or "r"
  path = args[3] or "/api/v1/loyalty/confirm"
  counter = 0
  math.randomseed(os.time() * 100 + tid)
end

function request()
  counter = counter + 1
  local c = math.random(1, customers)
  local points = 0
  if counter % 3 == 0 then points = 50 end
  local body = string.format(
    '{"customer_id":%d,"external_id":"%s-%d-%d","placed_at":"2026-11-24T10:00:00Z","points":%d,' ..
    '"lines":[{"sku":"SKU-%d","qty":1,"price":"%d.00"},{"sku":"SKU-%d","qty":2,"price":"350.00"}]}',
    c, run, tid, counter, points, math.random(1, 50), math.random(300, 3000), math.random(1, 50))
  if string.sub(path, -10) == "/programme" then
    return wrk.format("GET", path, {["Authorization"] = "Bearer " .. os.getenv("KL_KEY")})
  end
  return wrk.format("POST", path, {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. os.getenv("KL_KEY")}, body)
end

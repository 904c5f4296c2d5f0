-- The write mix for wrk: each thread (one connection each) opens a cart for the next
-- customer of its own, adds a line, and checks out. Every 2xx answer is one committed
-- transaction. Arguments: token, first customer id, product id, number of threads.
local threads = {}
local counter = 0

function setup(thread)
  thread:set("tid", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  token, first, product, stride = args[1], tonumber(args[2]), args[3], tonumber(args[4])
  headers = { ["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json" }
  n, phase, cart, committed, refused = 0, 0, nil, 0, 0
end

function request()
  if phase == 0 then
    local customer = first + tid + n * stride
    n = n + 1
    return wrk.format("POST", "/api/v1/carts", headers, '{"customer_id": ' .. customer .. '}')
  elseif phase == 1 then
    return wrk.format("POST", "/api/v1/carts/" .. cart .. "/items", headers, '{"product_id": ' .. product .. ', "quantity": "1.500"}')
  else
    return wrk.format("POST", "/api/v1/carts/" .. cart .. "/checkout", headers, "")
  end
end

function response(status, hdrs, body)
  if status >= 200 and status < 300 then
    committed = committed + 1
    if phase == 0 then
      cart = body:match('"id":(%d+)')
      phase = 1
    elseif phase == 1 then
      phase = 2
    else
      phase = 0
    end
  else
    refused = refused + 1  -- e.g. a customer who already has an active cart, or is inactive
    phase = 0
  end
end

function done(summary, latency, requests)
  local committedTotal, refusedTotal = 0, 0
  for _, thread in ipairs(threads) do
    committedTotal = committedTotal + thread:get("committed")
    refusedTotal = refusedTotal + thread:get("refused")
  end
  io.write(string.format("WRITE-MIX committed=%d refused=%d seconds=%.3f\n", committedTotal, refusedTotal, summary.duration / 1e6))
end

-- Rotating reads for wrk: each request takes the next path of a file (one per line),
-- each thread from its own place. Argument: the file.
local paths = {}
local next_index = 1

function init(args)
  for line in io.lines(args[1]) do
    if line ~= "" then paths[#paths + 1] = line end
  end
  next_index = (math.random(1, #paths))
end

function request()
  local path = paths[next_index]
  next_index = next_index % #paths + 1
  return wrk.format("GET", path)
end

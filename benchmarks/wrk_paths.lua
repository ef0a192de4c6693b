-- wrk -s benchmarks/wrk_paths.lua: each request GETs the next of the paths listed, one per
-- line and already URL-encoded, in the file $WRK_PATHS. With WRK_UNIQUE=1 a token made of
-- the thread and request numbers is appended, so no two requests are alike (no cache helps).
local paths = {}
for line in io.lines(os.getenv("WRK_PATHS")) do paths[#paths + 1] = line end
local unique = os.getenv("WRK_UNIQUE") == "1"
local threads = 0
local n = 0

function setup(thread)
  threads = threads + 1
  thread:set("number", threads)
end

function request()
  n = n + 1
  local path = paths[(n % #paths) + 1]
  if unique then
    path = path .. "+z" .. number .. "x" .. n
  end
  return wrk.format("GET", path)
end

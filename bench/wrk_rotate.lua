-- Appended to wrk_report.lua by bench/wrk.py for a target that asks a different path each request.
-- Arguments after the URL: a file of paths (one a line) and the number of threads. Thread i (from 0) asks
-- paths i+1, i+1+threads, i+1+2*threads, … (Lua counts from 1) and starts again at its first after its
-- last: the threads share the paths out, and a thread asks a path twice only after all of its share. (wrk
-- calls request() once per thread before the first request it sends and drops that one: a thread's first
-- path is asked last in its first round.)
local threads_set_up = 0

setup = function(thread)
  thread:set("index", threads_set_up)
  threads_set_up = threads_set_up + 1
end

init = function(args)
  paths = {}
  for line in io.lines(args[1]) do
    paths[#paths + 1] = line
  end
  step = tonumber(args[2])
  first = index + 1
  at = first
end

request = function()
  local path = paths[at]
  at = at + step
  if at > #paths then
    at = first
  end
  return wrk.format(nil, path)
end

-- wrk script of bench/http.py: one endpoint per run, every answer that is not 2xx counted
-- (a redirect to the sign-in page too), and one JSON line with the figures at the end.
--
--   wrk ... -s bench/http.lua URL -- get
--   wrk ... -s bench/http.lua URL -- triage    (POST an assessment with a fresh UUID each time)

local threads = {}

function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end

local mode = "get"
bad = 0 -- globals: done() reads them with thread:get()
first_bad = ""

local function uuid4()
  local hex = "0123456789abcdef"
  local parts = {}
  for i = 1, 32 do
    local n = math.random(1, 16)
    if i == 13 then n = 5 end -- version 4
    if i == 17 then n = 9 + math.random(0, 3) end -- variant 10xx
    parts[i] = hex:sub(n, n)
  end
  local s = table.concat(parts)
  return s:sub(1, 8) .. "-" .. s:sub(9, 12) .. "-" .. s:sub(13, 16) .. "-" .. s:sub(17, 20)
    .. "-" .. s:sub(21, 32)
end

-- A plausible set of answers: a pop heard, some swelling, an adult.
local ANSWERS = '{"heard_pop": true, "age": 45, "calf_swelling": false}'

function init(args)
  mode = args[1] or "get"
  math.randomseed(os.time() * 1000 + id)
end

function request()
  if mode == "triage" then
    local body = '{"id": "' .. uuid4() .. '", "answers": ' .. ANSWERS .. '}'
    return wrk.format("POST", nil, nil, body)
  end
  return wrk.format("GET")
end

function response(status, headers, body)
  if status < 200 or status > 299 then
    bad = bad + 1
    if first_bad == "" then
      first_bad = tostring(status) .. " " .. (headers["Location"] or "")
    end
  end
end

function done(summary, latency, requests)
  local non2xx, example = 0, ""
  for _, thread in ipairs(threads) do
    non2xx = non2xx + thread:get("bad")
    if example == "" then example = thread:get("first_bad") end
  end
  local e = summary.errors
  io.write(string.format(
    'WRK_RESULT {"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, '
      .. '"max_us": %d, "non2xx": %d, "socket_errors": %d, "example": "%s"}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    latency.max, non2xx, e.connect + e.read + e.write + e.timeout, example))
end

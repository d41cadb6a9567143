-- wrk: password sign-ins with a valid CSRF pair (cookie + token), so each
-- request is a full sign-in (Argon2id verify + session + audit record).
-- Prints the answers by status so a run proves they were successes (303).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Cookie"] = "__Host-espace-anon=" .. os.getenv("ANON")
wrk.body = "login=" .. (os.getenv("LOGIN") or "alice.martin")
  .. "&password=Espace%232026&csrf_token=" .. os.getenv("CSRF")

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  counts = {}
end

function response(status, headers, body)
  counts[status] = (counts[status] or 0) + 1
end

function done(summary, latency, requests)
  local total = {}
  for _, thread in ipairs(threads) do
    for status, n in pairs(thread:get("counts") or {}) do
      total[status] = (total[status] or 0) + n
    end
  end
  for status, n in pairs(total) do
    io.write(string.format("status %d: %d\n", status, n))
  end
end

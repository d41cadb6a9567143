-- wrk: password sign-ins with a valid CSRF pair (cookie + token), so each
-- request is a full sign-in (Argon2id verify + session + audit record).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Cookie"] = "__Host-espace-anon=" .. os.getenv("ANON")
wrk.body = "login=" .. (os.getenv("LOGIN") or "alice.martin")
  .. "&password=Espace%232026&csrf_token=" .. os.getenv("CSRF")

local counts = {}
response = function(status, headers, body)
  counts[status] = (counts[status] or 0) + 1
end
done = function(summary, latency, requests)
  for status, n in pairs(counts) do
    io.write(string.format("status %d: %d\n", status, n))
  end
end

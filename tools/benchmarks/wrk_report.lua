-- wrk script of `manage.py benchmark --only http` (tools/benchmarks/http_server.py): the method and body come
-- from the environment (WRK_METHOD, WRK_BODY), the headers from -H; at the end it prints one JSON line with
-- the latency percentiles in microseconds, the requests, the answers that were not 2xx/3xx and socket errors.
wrk.method = os.getenv("WRK_METHOD") or "GET"
local body = os.getenv("WRK_BODY")
if body ~= nil and body ~= "" then
  wrk.body = body
end

done = function(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    '{"requests": %.0f, "duration_us": %.0f, "p50_us": %.0f, "p95_us": %.0f, "p99_us": %.0f, "max_us": %.0f, ' ..
    '"non_2xx_3xx": %.0f, "socket_errors": %.0f}\n',
    summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max,
    errors.status, errors.connect + errors.read + errors.write + errors.timeout
  ))
end

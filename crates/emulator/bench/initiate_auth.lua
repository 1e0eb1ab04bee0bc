-- wrk script: USER_PASSWORD_AUTH sign-ins. Reads CLIENT_ID, USERNAME, PASSWORD from the env.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-amz-json-1.1"
wrk.headers["X-Amz-Target"] = "AWSCognitoIdentityProviderService.InitiateAuth"
wrk.body = string.format(
  '{"ClientId":"%s","AuthFlow":"USER_PASSWORD_AUTH","AuthParameters":{"USERNAME":"%s","PASSWORD":"%s"}}',
  os.getenv("CLIENT_ID"), os.getenv("USERNAME"), os.getenv("PASSWORD"))

local failures = 0
response = function(status, headers, body)
  if status ~= 200 or not string.find(body, "AccessToken", 1, true) then
    failures = failures + 1
  end
end

done = function(summary, latency, requests)
  io.write(string.format("sign-ins/s: %.1f  (requests %d, non-2xx or no token: see wrk line)\n",
    summary.requests / (summary.duration / 1e6), summary.requests))
end

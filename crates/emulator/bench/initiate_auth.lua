-- wrk script: USER_PASSWORD_AUTH sign-ins. Reads CLIENT_ID, USERNAME, PASSWORD from the env.
-- wrk reports "Non-2xx or 3xx responses: N" when any sign-in failed.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-amz-json-1.1"
wrk.headers["X-Amz-Target"] = "AWSCognitoIdentityProviderService.InitiateAuth"
wrk.body = string.format(
  '{"ClientId":"%s","AuthFlow":"USER_PASSWORD_AUTH","AuthParameters":{"USERNAME":"%s","PASSWORD":"%s"}}',
  os.getenv("CLIENT_ID"), os.getenv("USERNAME"), os.getenv("PASSWORD"))

done = function(summary, latency, requests)
  io.write(string.format("sign-ins/s: %.1f (%d requests, %d errors)\n",
    summary.requests / (summary.duration / 1e6), summary.requests,
    summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end

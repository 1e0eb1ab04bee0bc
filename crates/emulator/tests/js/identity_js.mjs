// amazon-cognito-identity-js against the emulator: SRP sign-in (right and wrong password),
// refresh, automatic device confirmation, and DEVICE_SRP_AUTH on the second sign-in.
import {
  AuthenticationDetails,
  CognitoUser,
  CognitoUserPool,
} from 'amazon-cognito-identity-js';

const endpoint = process.argv[2];
if (!endpoint) throw new Error('usage: node identity_js.mjs ENDPOINT');

async function call(op, body) {
  const r = await fetch(endpoint + '/', {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': `AWSCognitoIdentityProviderService.${op}`,
    },
    body: JSON.stringify(body),
  });
  const json = await r.json();
  if (!r.ok) throw new Error(`${op}: ${json.__type}: ${json.message}`);
  return json;
}

function decode(jwt) {
  return JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString());
}

function signIn(pool, username, password) {
  const user = new CognitoUser({ Username: username, Pool: pool });
  return new Promise((resolve, reject) => {
    user.authenticateUser(new AuthenticationDetails({ Username: username, Password: password }), {
      onSuccess: (session, userConfirmationNecessary) => resolve({ user, session, userConfirmationNecessary }),
      onFailure: reject,
      newPasswordRequired: () => reject(new Error('unexpected NEW_PASSWORD_REQUIRED')),
      mfaRequired: () => reject(new Error('unexpected MFA')),
      totpRequired: () => reject(new Error('unexpected TOTP')),
    });
  });
}

function check(cond, msg) {
  if (!cond) throw new Error(`check failed: ${msg}`);
}

const poolId = (await call('CreateUserPool', {
  PoolName: 'js',
  DeviceConfiguration: { ChallengeRequiredOnNewDevice: false, DeviceOnlyRememberedOnUserPrompt: false },
})).UserPool.Id;
const clientId = (await call('CreateUserPoolClient', {
  UserPoolId: poolId,
  ClientName: 'js',
  ExplicitAuthFlows: ['ALLOW_USER_SRP_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
})).UserPoolClient.ClientId;
await call('AdminCreateUser', { UserPoolId: poolId, Username: 'jess', MessageAction: 'SUPPRESS' });
await call('AdminSetUserPassword', { UserPoolId: poolId, Username: 'jess', Password: 'Passw0rd!', Permanent: true });
const pool = new CognitoUserPool({ UserPoolId: poolId, ClientId: clientId, endpoint });

// Wrong password: refused.
try {
  await signIn(pool, 'jess', 'Wrong0rd!');
  throw new Error('wrong password accepted');
} catch (e) {
  check(e.code === 'NotAuthorizedException', `wrong password gave ${e.code}: ${e.message}`);
}
console.log('ok wrong_password_refused');

// Right password: tokens, and the library confirms the new device by itself.
const first = await signIn(pool, 'jess', 'Passw0rd!');
const access1 = first.session.getAccessToken().getJwtToken();
check(decode(access1).username === 'jess', 'access token username');
const devices = await call('AdminListDevices', { UserPoolId: poolId, Username: 'jess' });
check(devices.Devices.length === 1, `one confirmed device, got ${JSON.stringify(devices)}`);
const deviceKey = devices.Devices[0].DeviceKey;
console.log('ok srp_sign_in_and_device_confirmed');

// Refresh.
const refreshed = await new Promise((resolve, reject) =>
  first.user.refreshSession(first.session.getRefreshToken(), (err, s) => (err ? reject(err) : resolve(s))));
const access2 = refreshed.getAccessToken().getJwtToken();
check(access2 !== access1, 'refresh gives a new access token');
check(decode(access2).origin_jti === decode(access1).origin_jti, 'same token family');
console.log('ok refresh');

// Second sign-in: DEVICE_SRP_AUTH with the stored device secret; the token names the device.
const second = await signIn(pool, 'jess', 'Passw0rd!');
const claims = decode(second.session.getAccessToken().getJwtToken());
check(claims.device_key === deviceKey, `device_key claim ${claims.device_key} vs ${deviceKey}`);
console.log('ok device_srp_auth_on_second_sign_in');
console.log('all 4 checks passed');

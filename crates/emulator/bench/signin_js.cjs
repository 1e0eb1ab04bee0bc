// Full USER_SRP_AUTH sign-ins with amazon-cognito-identity-js against ENDPOINT, timed end to end
// (see signin_wall.sh).
//
// Usage: node crates/emulator/bench/signin_js.cjs ENDPOINT POOL_ID CLIENT_ID USER PASSWORD ROUNDS
// One sign-in is CognitoUser.authenticateUser with the SDK's own defaults (a fresh 1024-bit `a`,
// node's fetch, which keeps the connection alive). The SDK is the one installed for the SRP
// vectors (crates/srp/tests/vectors/js, `npm ci` there). Prints one JSON line: the median wall
// time.
'use strict';

const path = require('path');
const sdk = require(path.join(
	__dirname, '..', '..', 'srp', 'tests', 'vectors', 'js', 'node_modules', 'amazon-cognito-identity-js'
));

const [endpoint, poolId, clientId, username, password, rounds] = process.argv.slice(2);
const pool = new sdk.CognitoUserPool({ UserPoolId: poolId, ClientId: clientId, endpoint });

function memoryStorage() {
	const m = new Map();
	return {
		setItem: (k, v) => m.set(k, v),
		getItem: k => (m.has(k) ? m.get(k) : null),
		removeItem: k => m.delete(k),
		clear: () => m.clear(),
	};
}

function signIn() {
	return new Promise((resolve, reject) => {
		const user = new sdk.CognitoUser({ Username: username, Pool: pool, Storage: memoryStorage() });
		user.authenticateUser(new sdk.AuthenticationDetails({ Username: username, Password: password }), {
			onSuccess: session => resolve(session.getAccessToken().getJwtToken()),
			onFailure: reject,
		});
	});
}

async function main() {
	await signIn(); // untimed: opens the connection, as the other clients' runs do
	const wall = [];
	for (let i = 0; i < Number(rounds); i++) {
		const t = process.hrtime.bigint();
		await signIn();
		wall.push(Number(process.hrtime.bigint() - t) / 1e6);
	}
	wall.sort((a, b) => a - b);
	console.log(JSON.stringify({ impl: 'amazon-cognito-identity-js', signin_wall_ms: wall[Math.floor(wall.length / 2)] }));
}

main().catch(err => {
	console.error(err);
	process.exit(1);
});

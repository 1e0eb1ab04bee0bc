// Known-answer vectors for cognito-auth-srp, computed by amazon-cognito-identity-js.
//
// Regenerate (from the repository root):
//   (cd crates/srp/tests/vectors/js && npm ci --no-audit --no-fund && node gen_js.cjs > ../amazon-cognito-identity-js.json)
//
// The user and device sign-ins run through the SDK's own CognitoUser code paths
// (authenticateUserDefaultAuth, getDeviceResponse) against a scripted client; only the SDK's
// randomness (AuthenticationHelper.generateRandomSmallA, WordArray.random) and clock (Date) are
// replaced by fixed values. The device verifier uses AuthenticationHelper.generateHashDevice and
// the same hex -> base64 step CognitoUser.setDeviceStatusRemembered/confirm uses. The server's
// B = k*v + g^b is computed with the SDK's BigInteger.
'use strict';

const crypto = require('crypto');
const fs = require('fs');
const path = require('path');
const sdk = require('amazon-cognito-identity-js');
const BigInteger = require('amazon-cognito-identity-js/lib/BigInteger').default;

const cases = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'cases.json'), 'utf8'));

function rand(label, n) {
	const parts = [];
	for (let counter = 0; parts.length * 32 < n; counter++) {
		parts.push(crypto.createHash('sha256').update(`${label}:${counter}`, 'utf8').digest());
	}
	return Buffer.concat(parts).subarray(0, n);
}

// --- fixed clock -----------------------------------------------------------------------------
const RealDate = Date;
let fixedMs = 0;
global.Date = class extends RealDate {
	constructor(...args) {
		if (args.length === 0) super(fixedMs);
		else super(...args);
	}
	static now() {
		return fixedMs;
	}
};

// --- fixed randomness ------------------------------------------------------------------------
let nextA = Buffer.from([1]); // replaced before each sign-in
sdk.AuthenticationHelper.prototype.generateRandomSmallA = function () {
	return new BigInteger(nextA.toString('hex'), 16);
};
let randomQueue = Buffer.alloc(0);
sdk.WordArray.prototype.random = function (nBytes) {
	const bytes = randomQueue.subarray(0, nBytes);
	if (bytes.length !== nBytes) throw new Error('random queue exhausted');
	randomQueue = randomQueue.subarray(nBytes);
	return { toString: () => bytes.toString('hex') };
};

// --- server side with the SDK's BigInteger ---------------------------------------------------
const helper0 = new (class extends sdk.AuthenticationHelper {})('pool');
const N = helper0.N;
const g = helper0.g;
const k = helper0.k;

function modPow(base, exp) {
	return new Promise((resolve, reject) =>
		base.modPow(exp, N, (err, r) => (err ? reject(err) : resolve(r)))
	);
}

async function verifier(prefix, ident, password, saltHex) {
	const inner = helper0.hash(`${prefix}${ident}:${password}`);
	const x = new BigInteger(helper0.hexHash(helper0.padHex(new BigInteger(saltHex, 16)) + inner), 16);
	return modPow(g, x);
}

async function serverB(v, bRandom) {
	const b = new BigInteger(bRandom.toString('hex'), 16);
	const gb = await modPow(g, b);
	return k.multiply(v).add(gb).mod(N);
}

const memoryStorage = () => {
	const m = new Map();
	return {
		setItem: (key, value) => m.set(key, value),
		getItem: key => (m.has(key) ? m.get(key) : null),
		removeItem: key => m.delete(key),
		clear: () => m.clear(),
	};
};

// Runs CognitoUser.authenticateUser against a scripted client; resolves with what it sent.
function runUserSignIn(c, srpBHex) {
	return new Promise((resolve, reject) => {
		const pool = new sdk.CognitoUserPool({ UserPoolId: c.pool_id, ClientId: 'client' });
		const storage = memoryStorage();
		const user = new sdk.CognitoUser({ Username: c.user_id_for_srp, Pool: pool, Storage: storage });
		const sent = {};
		user.client = {
			request(op, params, cb) {
				if (op === 'InitiateAuth') {
					sent.srp_a_hex = params.AuthParameters.SRP_A;
					cb(null, {
						ChallengeName: 'PASSWORD_VERIFIER',
						ChallengeParameters: {
							USER_ID_FOR_SRP: c.user_id_for_srp,
							SRP_B: srpBHex,
							SALT: c.salt_hex,
							SECRET_BLOCK: c.secret_block_b64,
						},
					});
				} else if (op === 'RespondToAuthChallenge') {
					sent.responses = params.ChallengeResponses;
					cb({ code: 'Stop', message: 'captured' });
				} else {
					reject(new Error(`unexpected ${op}`));
				}
			},
		};
		user.setAuthenticationFlowType('USER_SRP_AUTH');
		user.authenticateUser(
			new sdk.AuthenticationDetails({ Username: c.user_id_for_srp, Password: c.password }),
			{
				onSuccess: () => reject(new Error('unexpected success')),
				onFailure: err => (err.code === 'Stop' ? resolve(sent) : reject(err)),
			}
		);
	});
}

function runDeviceSignIn(c, dev, srpBHex, saltHex) {
	return new Promise((resolve, reject) => {
		const pool = new sdk.CognitoUserPool({ UserPoolId: 'us-east-1_unused', ClientId: 'client' });
		const user = new sdk.CognitoUser({ Username: 'user', Pool: pool, Storage: memoryStorage() });
		user.deviceKey = c.device_key;
		user.deviceGroupKey = c.device_group_key;
		user.randomPassword = dev.device_password;
		user.Session = 'session';
		const sent = {};
		user.client = {
			request(op, params, cb) {
				if (op !== 'RespondToAuthChallenge') return reject(new Error(`unexpected ${op}`));
				if (params.ChallengeName === 'DEVICE_SRP_AUTH') {
					sent.srp_a_hex = params.ChallengeResponses.SRP_A;
					cb(null, {
						ChallengeName: 'DEVICE_PASSWORD_VERIFIER',
						Session: 'session2',
						ChallengeParameters: {
							USERNAME: 'user',
							SRP_B: srpBHex,
							SALT: saltHex,
							SECRET_BLOCK: c.secret_block_b64,
						},
					});
				} else {
					sent.responses = params.ChallengeResponses;
					cb({ code: 'Stop', message: 'captured' });
				}
			},
		};
		user.getDeviceResponse({
			onSuccess: () => reject(new Error('unexpected success')),
			onFailure: err => (err.code === 'Stop' ? resolve(sent) : reject(err)),
		});
	});
}

function generateHashDevice(c, deviceRandom) {
	randomQueue = Buffer.from(deviceRandom);
	const helper = new sdk.AuthenticationHelper(c.device_group_key);
	return new Promise((resolve, reject) =>
		helper.generateHashDevice(c.device_group_key, c.device_key, err => {
			if (err) return reject(err);
			resolve({
				device_password: helper.getRandomPassword(),
				password_verifier_b64: Buffer.from(helper.getVerifierDevices(), 'hex').toString('base64'),
				salt_b64: Buffer.from(helper.getSaltDevices(), 'hex').toString('base64'),
			});
		})
	);
}

async function userCase(c) {
	const aRandom = rand(`${c.name}/a`, c.a_len || 72);
	const bRandom = rand(`${c.name}/b`, 72);
	const poolName = c.pool_id.split('_')[1];
	const v = await verifier(poolName, c.user_id_for_srp, c.password, c.salt_hex);
	const B = await serverB(v, bRandom);
	const srpBHex = c.b_plus_n ? B.add(N).toString(16) : B.toString(16);
	nextA = aRandom;
	fixedMs = c.unix_secs * 1000;
	const sent = await runUserSignIn(c, srpBHex);
	return {
		name: c.name,
		pool_id: c.pool_id,
		pool_name: poolName,
		user_id_for_srp: c.user_id_for_srp,
		password: c.password,
		a_random_hex: aRandom.toString('hex'),
		srp_a_hex: sent.srp_a_hex,
		b_random_hex: bRandom.toString('hex'),
		salt_hex: c.salt_hex,
		server_b_hex: B.toString(16),
		srp_b_hex: srpBHex,
		secret_block_b64: c.secret_block_b64,
		unix_secs: c.unix_secs,
		timestamp: sent.responses.TIMESTAMP,
		signature_b64: sent.responses.PASSWORD_CLAIM_SIGNATURE,
	};
}

async function deviceCase(c) {
	const deviceRandom = rand(`${c.name}/device`, 56);
	const dev = await generateHashDevice(c, deviceRandom);
	const saltHex = Buffer.from(dev.salt_b64, 'base64').toString('hex');
	const v = new BigInteger(Buffer.from(dev.password_verifier_b64, 'base64').toString('hex'), 16);
	const aRandom = rand(`${c.name}/a`, c.a_len || 72);
	const bRandom = rand(`${c.name}/b`, 72);
	const B = await serverB(v, bRandom);
	nextA = aRandom;
	fixedMs = c.unix_secs * 1000;
	const sent = await runDeviceSignIn(c, dev, B.toString(16), saltHex);
	return {
		name: c.name,
		device_group_key: c.device_group_key,
		device_key: c.device_key,
		random_hex: deviceRandom.toString('hex'),
		...dev,
		a_random_hex: aRandom.toString('hex'),
		srp_a_hex: sent.srp_a_hex,
		b_random_hex: bRandom.toString('hex'),
		salt_hex: saltHex,
		server_b_hex: B.toString(16),
		srp_b_hex: B.toString(16),
		secret_block_b64: c.secret_block_b64,
		unix_secs: c.unix_secs,
		timestamp: sent.responses.TIMESTAMP,
		signature_b64: sent.responses.PASSWORD_CLAIM_SIGNATURE,
	};
}

async function main() {
	const user = [];
	for (const c of cases.user) user.push(await userCase(c));
	const device = [];
	for (const c of cases.device) device.push(await deviceCase(c));
	const timestamps = cases.timestamps.map(t => {
		fixedMs = t * 1000;
		return { unix_secs: t, timestamp: new sdk.DateHelper().getNowString() };
	});
	const version = require('amazon-cognito-identity-js/package.json').version;
	process.stdout.write(
		JSON.stringify(
			{
				generator: `amazon-cognito-identity-js ${version}, node ${process.version}`,
				user,
				device,
				// amazon-cognito-identity-js has no client-secret support, so no SECRET_HASH vectors.
				secret_hash: [],
				timestamps,
			},
			null,
			1
		) + '\n'
	);
}

main().catch(err => {
	console.error(err);
	process.exit(1);
});

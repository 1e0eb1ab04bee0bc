// Times amazon-cognito-identity-js's client SRP work on one known-answer vector (see
// ../../../benches/peers.sh), with the vector's `a`: CASE `plain` (the default) has our 576-bit
// `a`, `peer-default-a-1024` the 1024-bit `a` the SDK draws itself.
//
// Usage: node peer_timing.cjs ROUNDS [CASE]
// Prints one JSON line: median wall and process-CPU milliseconds for A = g^a
// (AuthenticationHelper.calculateA) and for the critical path after the challenge
// (getPasswordAuthenticationKey + the claim HMAC exactly as CognitoUser computes it).
'use strict';

const fs = require('fs');
const path = require('path');
const sdk = require('amazon-cognito-identity-js');
const BigInteger = require('amazon-cognito-identity-js/lib/BigInteger').default;
const { Sha256 } = require('@aws-crypto/sha256-js');

const rounds = Number(process.argv[2] || 20);
const vectors = JSON.parse(
	fs.readFileSync(path.join(__dirname, '..', 'pycognito.json'), 'utf8')
);
const caseName = process.argv[3] || 'plain';
const c = vectors.user.find(v => v.name === caseName);
if (!c) throw new Error(`no user vector ${caseName}`);
const a = new BigInteger(c.a_random_hex, 16);
sdk.AuthenticationHelper.prototype.generateRandomSmallA = () => a;

const helper = new sdk.AuthenticationHelper(c.pool_name);
const B = new BigInteger(c.srp_b_hex, 16);
const salt = new BigInteger(c.salt_hex, 16);

function claim() {
	let signature;
	helper.getPasswordAuthenticationKey(c.user_id_for_srp, c.password, B, salt, (err, hkdf) => {
		if (err) throw err;
		const message = Buffer.concat([
			Buffer.from(c.pool_name, 'utf8'),
			Buffer.from(c.user_id_for_srp, 'utf8'),
			Buffer.from(c.secret_block_b64, 'base64'),
			Buffer.from(c.timestamp, 'utf8'),
		]);
		const mac = new Sha256(hkdf);
		mac.update(message);
		signature = Buffer.from(mac.digestSync()).toString('base64');
	});
	return signature;
}

function calculateA() {
	let out;
	helper.calculateA(a, (err, A) => {
		if (err) throw err;
		out = A;
	});
	return out;
}

function timed(f) {
	const wall = [];
	const cpu = [];
	for (let i = 0; i < rounds; i++) {
		const w = process.hrtime.bigint();
		const u = process.cpuUsage();
		f();
		const d = process.cpuUsage(u);
		cpu.push((d.user + d.system) / 1e3);
		wall.push(Number(process.hrtime.bigint() - w) / 1e6);
	}
	const median = v => v.sort((x, y) => x - y)[Math.floor(v.length / 2)];
	return [median(wall), median(cpu)];
}

if (calculateA().toString(16) !== c.srp_a_hex) throw new Error('SRP_A mismatch');
if (claim() !== c.signature_b64) throw new Error('signature mismatch');
const [aWall, aCpu] = timed(calculateA);
const [claimWall, claimCpu] = timed(claim);
console.log(
	JSON.stringify({
		impl: 'amazon-cognito-identity-js',
		case: caseName,
		a_bytes: c.a_random_hex.length / 2,
		a_wall_ms: aWall,
		a_cpu_ms: aCpu,
		claim_wall_ms: claimWall,
		claim_cpu_ms: claimCpu,
	})
);

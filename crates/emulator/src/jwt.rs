//! RS256 JSON Web Tokens: signing the tokens the emulator issues, verifying the ones it is shown,
//! and publishing the public key as a JWKS.

use std::sync::Arc;

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use ring::rand::SystemRandom;
use ring::signature::{
    KeyPair, RsaKeyPair, UnparsedPublicKey, RSA_PKCS1_2048_8192_SHA256, RSA_PKCS1_SHA256,
};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

/// The emulator-only RSA key shipped with the crate. It signs tokens for local testing only and
/// protects nothing: never use it, or tokens it signed, for anything real.
const EMULATOR_ONLY_KEY_PEM: &str = include_str!("../keys/emulator-only-signing-key.pem");

/// Why a key or a token was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum JwtError {
    /// The PEM did not hold a PKCS#1 RSA private key.
    #[error("the signing key is not a PKCS#1 RSA private key")]
    BadKey,
    /// Not three base64url segments of JSON.
    #[error("malformed token")]
    Malformed,
    /// The header names another algorithm or key.
    #[error("unexpected token header")]
    BadHeader,
    /// The signature does not verify.
    #[error("invalid token signature")]
    BadSignature,
}

/// An RS256 signer with the key id it publishes. Cloning is cheap (the key is shared).
#[derive(Clone)]
pub struct TokenSigner {
    kid: String,
    key: Arc<RsaKeyPair>,
    public_der: Arc<Vec<u8>>,
    n: Vec<u8>,
    e: Vec<u8>,
    // PKCS#1 v1.5 signatures are deterministic: this randomness only blinds the private-key
    // operation against timing attacks and never changes a token, so replays stay exact.
    blinding: SystemRandom,
}

impl std::fmt::Debug for TokenSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenSigner")
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

impl TokenSigner {
    /// The signer with the emulator-only key committed in the crate.
    pub fn emulator_only() -> Result<Self, JwtError> {
        Self::from_pkcs1_pem(EMULATOR_ONLY_KEY_PEM)
    }

    /// A signer from a PKCS#1 PEM private key (`-----BEGIN RSA PRIVATE KEY-----`).
    pub fn from_pkcs1_pem(pem: &str) -> Result<Self, JwtError> {
        let body: String = pem
            .lines()
            .filter(|l| !l.starts_with("-----"))
            .map(str::trim)
            .collect();
        let der = STANDARD.decode(body).map_err(|_| JwtError::BadKey)?;
        let key = RsaKeyPair::from_der(&der).map_err(|_| JwtError::BadKey)?;
        let public = key.public_key();
        let components = ring::rsa::PublicKeyComponents::<Vec<u8>>::from(public);
        let (n, e) = (components.n, components.e);
        let public_der = public.as_ref().to_vec();
        // The key id is derived from the modulus so that it is stable for a given key.
        let kid = URL_SAFE_NO_PAD.encode(&Sha256::digest(&n)[..20]);
        Ok(Self {
            kid,
            key: Arc::new(key),
            public_der: Arc::new(public_der),
            n,
            e,
            blinding: SystemRandom::new(),
        })
    }

    /// Signs `claims` as a compact RS256 JWT.
    pub fn sign(&self, claims: &Map<String, Value>) -> String {
        let header = serde_json::json!({"kid": self.kid, "alg": "RS256"});
        let mut out = String::with_capacity(1024);
        out.push_str(&URL_SAFE_NO_PAD.encode(header.to_string()));
        out.push('.');
        out.push_str(&URL_SAFE_NO_PAD.encode(Value::Object(claims.clone()).to_string()));
        let mut sig = vec![0u8; self.key.public().modulus_len()];
        // Signing fails only if the buffer has the wrong length (it is the modulus length) or
        // the system RNG is unavailable for blinding; the token is then left unsigned, which
        // every verifier rejects.
        if self
            .key
            .sign(&RSA_PKCS1_SHA256, &self.blinding, out.as_bytes(), &mut sig)
            .is_err()
        {
            sig.clear();
        }
        out.push('.');
        out.push_str(&URL_SAFE_NO_PAD.encode(sig));
        out
    }

    /// Verifies the signature of a token signed by this key and returns its claims. Expiry and
    /// the other claims are the caller's to check.
    pub fn verify(&self, token: &str) -> Result<Map<String, Value>, JwtError> {
        let (header, claims, sig) = split(token)?;
        if header.get("alg").and_then(Value::as_str) != Some("RS256")
            || header.get("kid").and_then(Value::as_str) != Some(self.kid.as_str())
        {
            return Err(JwtError::BadHeader);
        }
        let signed_len = token.rfind('.').ok_or(JwtError::Malformed)?;
        UnparsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, self.public_der.as_slice())
            .verify(&token.as_bytes()[..signed_len], &sig)
            .map_err(|_| JwtError::BadSignature)?;
        Ok(claims)
    }

    /// The JWKS document listing this key.
    pub fn jwks(&self) -> Value {
        serde_json::json!({"keys": [{
            "alg": "RS256",
            "e": URL_SAFE_NO_PAD.encode(&self.e),
            "kid": self.kid,
            "kty": "RSA",
            "n": URL_SAFE_NO_PAD.encode(&self.n),
            "use": "sig",
        }]})
    }
}

/// Verifies an RS256 token against a JWKS document (`{"keys": [{"kty": "RSA", "kid", "n",
/// "e"}, ...]}`): the key named by the token's `kid` must verify its signature.
pub fn verify_with_jwks(jwks: &Value, token: &str) -> Result<Map<String, Value>, JwtError> {
    let (header, claims, sig) = split(token)?;
    if header.get("alg").and_then(Value::as_str) != Some("RS256") {
        return Err(JwtError::BadHeader);
    }
    let kid = header.get("kid").and_then(Value::as_str);
    let key = jwks
        .get("keys")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .find(|k| {
            k.get("kty").and_then(Value::as_str) == Some("RSA")
                && k.get("kid").and_then(Value::as_str) == kid
        })
        .ok_or(JwtError::BadHeader)?;
    let component = |name: &str| -> Result<Vec<u8>, JwtError> {
        let text = key
            .get(name)
            .and_then(Value::as_str)
            .ok_or(JwtError::BadHeader)?;
        URL_SAFE_NO_PAD
            .decode(text)
            .map_err(|_| JwtError::BadHeader)
    };
    let public = ring::signature::RsaPublicKeyComponents {
        n: component("n")?,
        e: component("e")?,
    };
    let signed_len = token.rfind('.').ok_or(JwtError::Malformed)?;
    public
        .verify(
            &RSA_PKCS1_2048_8192_SHA256,
            &token.as_bytes()[..signed_len],
            &sig,
        )
        .map_err(|_| JwtError::BadSignature)?;
    Ok(claims)
}

/// Decodes a token's claims without checking its signature (for tokens another party signed,
/// which a configured verifier then judges).
pub fn decode_unverified(token: &str) -> Result<Map<String, Value>, JwtError> {
    split(token).map(|(_, claims, _)| claims)
}

type Parts = (Map<String, Value>, Map<String, Value>, Vec<u8>);

fn split(token: &str) -> Result<Parts, JwtError> {
    let mut it = token.split('.');
    let (Some(h), Some(c), Some(s), None) = (it.next(), it.next(), it.next(), it.next()) else {
        return Err(JwtError::Malformed);
    };
    let json = |seg: &str| -> Result<Map<String, Value>, JwtError> {
        let bytes = URL_SAFE_NO_PAD
            .decode(seg)
            .map_err(|_| JwtError::Malformed)?;
        match serde_json::from_slice(&bytes) {
            Ok(Value::Object(m)) => Ok(m),
            _ => Err(JwtError::Malformed),
        }
    };
    let sig = URL_SAFE_NO_PAD.decode(s).map_err(|_| JwtError::Malformed)?;
    Ok((json(h)?, json(c)?, sig))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signs_and_verifies_and_rejects_tampering() {
        let signer = TokenSigner::emulator_only().unwrap();
        let mut claims = Map::new();
        claims.insert("sub".into(), Value::from("abc"));
        let token = signer.sign(&claims);
        assert_eq!(signer.verify(&token).unwrap(), claims);
        let mut forged = claims.clone();
        forged.insert("sub".into(), Value::from("evil"));
        let parts: Vec<&str> = token.split('.').collect();
        let tampered = format!(
            "{}.{}.{}",
            parts[0],
            URL_SAFE_NO_PAD.encode(Value::Object(forged).to_string()),
            parts[2]
        );
        assert_eq!(signer.verify(&tampered), Err(JwtError::BadSignature));
        assert_eq!(signer.verify("a.b"), Err(JwtError::Malformed));
    }
}

//! Reading the claims of a JWT on the machine's hot path: every auth result (a sign-in, every
//! refresh) reads the access and id tokens' payloads.
//!
//! Two single passes, no serde: a SIMD base64url decoder into a stack buffer, then a
//! validating JSON scan that builds only the claims kept and skips the rest without building
//! values. They accept exactly what `base64`'s `URL_SAFE_NO_PAD` engine followed by
//! `serde_json::from_slice` into the claims struct accepted before them (the same grammar,
//! the same checks of strings, escapes, numbers and duplicate claims, the same typed
//! [`JwtError`]s), which the differential tests in `jwt/tests.rs` hold them to.

use std::borrow::Cow;
use std::mem::MaybeUninit;

use super::JwtError;

/// The claims of a JWT's payload the machine reads, with their strings borrowed from the
/// decoded payload (owned only where the JSON escapes a character).
pub(super) struct RawClaims<'a> {
    pub(super) exp: i64,
    pub(super) iat: Option<i64>,
    pub(super) sub: Option<Cow<'a, str>>,
    pub(super) username: Option<Cow<'a, str>>,
    pub(super) cognito_username: Option<Cow<'a, str>>,
    pub(super) token_use: Option<Cow<'a, str>>,
}

/// Decoded payloads up to this size stay on the stack; Cognito's access and id tokens decode
/// to about 1 KB (more with many groups or custom attributes, which then take the heap).
const PAYLOAD_STACK_BYTES: usize = 2048;

/// Decodes a JWT's payload and hands its claims to `read`, which borrows them.
pub(super) fn with_claims<R>(
    jwt: &str,
    read: impl FnOnce(RawClaims<'_>) -> R,
) -> Result<R, JwtError> {
    with_payload(jwt, |json| claims(json).map(read))
}

/// Decodes a JWT's payload (padding, which Cognito does not send, dropped) and hands the JSON
/// bytes to `read`.
pub(super) fn with_payload<R>(
    jwt: &str,
    read: impl FnOnce(&[u8]) -> Result<R, JwtError>,
) -> Result<R, JwtError> {
    // The payload lies between the first and the last dot. Only the payload can hold a
    // further dot, and a dot is not base64url: a token of more than three parts fails to
    // decode, and only then are its parts counted.
    let shape = || JwtError::Shape(jwt.split('.').count());
    let bytes = jwt.as_bytes();
    let (Some(first), Some(last)) = (memchr::memchr(b'.', bytes), memchr::memrchr(b'.', bytes))
    else {
        return Err(shape());
    };
    let Some(payload) = jwt.get(first + 1..last) else {
        return Err(shape());
    };
    let payload = payload.trim_end_matches('=').as_bytes();
    let base64 = || {
        if payload.contains(&b'.') {
            shape()
        } else {
            JwtError::Base64
        }
    };
    let len = decoded_len(payload.len()).ok_or_else(base64)?;
    if len <= PAYLOAD_STACK_BYTES {
        // Not zeroed first: the decoder writes every byte of what it hands back.
        let mut buf = [MaybeUninit::<u8>::uninit(); PAYLOAD_STACK_BYTES];
        let json = decode_base64url(payload, &mut buf[..len]).map_err(|_| base64())?;
        read(json)
    } else {
        let mut buf = Vec::with_capacity(len);
        let json = decode_base64url(payload, &mut buf.spare_capacity_mut()[..len])
            .map_err(|_| base64())?;
        read(json)
    }
}

// ---------------------------------------------------------------------------------------------
// base64url, unpadded

/// The length `n` base64url symbols decode to; `None` for a length no encoding has (one
/// symbol past a whole group).
fn decoded_len(n: usize) -> Option<usize> {
    let whole = n / 4 * 3;
    match n % 4 {
        0 => Some(whole),
        2 => Some(whole + 1),
        3 => Some(whole + 2),
        _ => None,
    }
}

/// Decodes unpadded base64url `src` into `out`, [`decoded_len`] long. Rejects any byte
/// outside the alphabet (`=` included) and a last symbol with bits set beyond the last byte (a
/// non-canonical encoding), as the `base64` crate's `URL_SAFE_NO_PAD` engine does.
/// `base64-simd` (already in the engine's tree through the AWS SDK) decodes 32 symbols a step
/// with AVX2 or SSSE3 where the CPU has them: under a quarter of the instructions of a
/// table-driven scalar decoder, measured (docs/PERFORMANCE.md section 5).
/// Returns `out`, written through.
fn decode_base64url<'o>(
    src: &[u8],
    out: &'o mut [MaybeUninit<u8>],
) -> Result<&'o mut [u8], JwtError> {
    if decoded_len(src.len()) != Some(out.len()) {
        return Err(JwtError::Base64);
    }
    base64_simd::URL_SAFE_NO_PAD
        .decode(src, base64_simd::Out::from_uninit_slice(out))
        .map_err(|_| JwtError::Base64)
}

// ---------------------------------------------------------------------------------------------
// JSON

/// Reads the claims from a decoded payload: a JSON object (or, as serde reads a struct, an
/// array of the claims in declaration order) and nothing after it but whitespace.
fn claims(json: &[u8]) -> Result<RawClaims<'_>, JwtError> {
    let mut scan = Scan { b: json, i: 0 };
    let claims = match scan.peek_ws() {
        Some(b'{') => {
            scan.i += 1;
            scan.object()
        }
        Some(b'[') => {
            scan.i += 1;
            scan.array()
        }
        _ => Err(JwtError::Json),
    }?;
    match scan.peek_ws() {
        None => Ok(claims),
        Some(_) => Err(JwtError::Json),
    }
}

const ONES: u64 = u64::from_le_bytes([1; 8]);
const HIGH: u64 = ONES << 7;

/// The high bit of each byte of `x` that is `"`, `\` or a control character (below 0x20); bits
/// above the lowest may be spurious, the lowest is exact.
fn specials(x: u64) -> u64 {
    let control = x.wrapping_sub(ONES * 0x20) & !x;
    let q = x ^ (ONES * u64::from(b'"'));
    let quote = q.wrapping_sub(ONES) & !q;
    let s = x ^ (ONES * u64::from(b'\\'));
    let backslash = s.wrapping_sub(ONES) & !s;
    (control | quote | backslash) & HIGH
}

/// What an object key names.
enum Key {
    Exp,
    Iat,
    Sub,
    Username,
    CognitoUsername,
    TokenUse,
    Other,
}

impl Key {
    fn of(key: &[u8]) -> Self {
        match key {
            b"exp" => Self::Exp,
            b"iat" => Self::Iat,
            b"sub" => Self::Sub,
            b"username" => Self::Username,
            b"cognito:username" => Self::CognitoUsername,
            b"token_use" => Self::TokenUse,
            _ => Self::Other,
        }
    }
}

/// A cursor over the payload's JSON. Every error is [`JwtError::Json`].
struct Scan<'a> {
    b: &'a [u8],
    i: usize,
}

impl<'a> Scan<'a> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    /// The next byte that is not JSON whitespace, not consumed.
    fn peek_ws(&mut self) -> Option<u8> {
        while let Some(c) = self.peek() {
            match c {
                b' ' | b'\n' | b'\t' | b'\r' => self.i += 1,
                _ => return Some(c),
            }
        }
        None
    }

    fn next(&mut self) -> Option<u8> {
        let c = self.peek()?;
        self.i += 1;
        Some(c)
    }

    fn expect_ws(&mut self, c: u8) -> Result<(), JwtError> {
        if self.peek_ws() != Some(c) {
            return Err(JwtError::Json);
        }
        self.i += 1;
        Ok(())
    }

    /// The rest of a literal whose first byte was consumed.
    fn literal(&mut self, rest: &[u8]) -> Result<(), JwtError> {
        if self.b.get(self.i..self.i + rest.len()) != Some(rest) {
            return Err(JwtError::Json);
        }
        self.i += rest.len();
        Ok(())
    }

    /// Moves to the first `"`, `\` or control character from here, or to the end. Returns the
    /// bytes passed over (and some after) OR-ed together: without the high bit, they were
    /// ASCII.
    fn skip_plain(&mut self) -> u64 {
        let mut seen = 0;
        let (words, _) = self.b[self.i..].as_chunks::<8>();
        for word in words {
            let word = u64::from_le_bytes(*word);
            seen |= word;
            let found = specials(word);
            if found != 0 {
                self.i += found.trailing_zeros() as usize / 8;
                return seen;
            }
            self.i += 8;
        }
        while let Some(c) = self.peek() {
            if c == b'"' || c == b'\\' || c < 0x20 {
                break;
            }
            seen |= u64::from(c);
            self.i += 1;
        }
        seen
    }

    /// An object key after its opening quote, through its closing quote: which claim it
    /// names. Checked as [`Scan::string`] checks strings; the common key, ASCII without
    /// escapes, is compared as it lies.
    fn key(&mut self) -> Result<Key, JwtError> {
        let start = self.i;
        let seen = self.skip_plain();
        if self.peek() == Some(b'"') {
            let raw = &self.b[start..self.i];
            self.i += 1;
            if seen & HIGH != 0 {
                std::str::from_utf8(raw).map_err(|_| JwtError::Json)?;
            }
            return Ok(Key::of(raw));
        }
        self.i = start;
        let key = self.string()?;
        Ok(Key::of(key.as_bytes()))
    }

    /// A string's contents after its opening quote, through its closing quote, checked as
    /// `serde_json` checks a string it reads: no control characters, valid escapes with
    /// paired surrogates, valid UTF-8.
    fn string(&mut self) -> Result<Cow<'a, str>, JwtError> {
        let b = self.b;
        let mut start = self.i;
        let mut unescaped: Option<Vec<u8>> = None;
        loop {
            self.skip_plain();
            match self.peek() {
                Some(b'"') => {
                    let tail = &b[start..self.i];
                    self.i += 1;
                    return match unescaped {
                        None => std::str::from_utf8(tail).map(Cow::Borrowed),
                        Some(mut bytes) => {
                            bytes.extend_from_slice(tail);
                            String::from_utf8(bytes)
                                .map(Cow::Owned)
                                .map_err(|e| e.utf8_error())
                        }
                    }
                    .map_err(|_| JwtError::Json);
                }
                Some(b'\\') => {
                    let bytes = unescaped.get_or_insert_with(Vec::new);
                    bytes.extend_from_slice(&b[start..self.i]);
                    self.i += 1;
                    self.escape(bytes)?;
                    start = self.i;
                }
                // A control character, or the end.
                _ => return Err(JwtError::Json),
            }
        }
    }

    /// An escape after its backslash, appended to `out`.
    fn escape(&mut self, out: &mut Vec<u8>) -> Result<(), JwtError> {
        let byte = match self.next() {
            Some(b'"') => b'"',
            Some(b'\\') => b'\\',
            Some(b'/') => b'/',
            Some(b'b') => 0x08,
            Some(b'f') => 0x0c,
            Some(b'n') => b'\n',
            Some(b'r') => b'\r',
            Some(b't') => b'\t',
            Some(b'u') => {
                let c = self.unicode_escape()?;
                out.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes());
                return Ok(());
            }
            _ => return Err(JwtError::Json),
        };
        out.push(byte);
        Ok(())
    }

    /// The character of a `\u` escape (a surrogate pair takes two), after the `u`.
    fn unicode_escape(&mut self) -> Result<char, JwtError> {
        let n = self.hex4()?;
        let code = match n {
            0xdc00..=0xdfff => return Err(JwtError::Json),
            0xd800..=0xdbff => {
                if self.next() != Some(b'\\') || self.next() != Some(b'u') {
                    return Err(JwtError::Json);
                }
                let low = self.hex4()?;
                if !(0xdc00..=0xdfff).contains(&low) {
                    return Err(JwtError::Json);
                }
                ((u32::from(n - 0xd800) << 10) | u32::from(low - 0xdc00)) + 0x1_0000
            }
            _ => u32::from(n),
        };
        char::from_u32(code).ok_or(JwtError::Json)
    }

    /// Four hex digits.
    fn hex4(&mut self) -> Result<u16, JwtError> {
        let digits = self.b.get(self.i..self.i + 4).ok_or(JwtError::Json)?;
        let mut n = 0u16;
        for &d in digits {
            let v = match d {
                b'0'..=b'9' => d - b'0',
                b'a'..=b'f' => d - b'a' + 10,
                b'A'..=b'F' => d - b'A' + 10,
                _ => return Err(JwtError::Json),
            };
            n = (n << 4) | u16::from(v);
        }
        self.i += 4;
        Ok(n)
    }

    /// A string skipped after its opening quote: control characters and malformed escapes are
    /// rejected; as in `serde_json`'s skipping, neither UTF-8 nor surrogate pairing is checked.
    fn skip_string(&mut self) -> Result<(), JwtError> {
        loop {
            self.skip_plain();
            match self.next() {
                Some(b'"') => return Ok(()),
                Some(b'\\') => match self.next() {
                    Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => {}
                    Some(b'u') => {
                        self.hex4()?;
                    }
                    _ => return Err(JwtError::Json),
                },
                _ => return Err(JwtError::Json),
            }
        }
    }

    /// A string value (serde's `deserialize_str`).
    fn str_value(&mut self) -> Result<Cow<'a, str>, JwtError> {
        self.expect_ws(b'"')?;
        self.string()
    }

    /// An integer that fits an `i64`, as serde reads one from JSON: no fraction, no exponent,
    /// no leading zeros, and not `-0` (which `serde_json` reads as a float).
    fn int(&mut self) -> Result<i64, JwtError> {
        let negative = match self.peek_ws() {
            Some(b'-') => {
                self.i += 1;
                true
            }
            Some(b'0'..=b'9') => false,
            _ => return Err(JwtError::Json),
        };
        let magnitude = match self.next() {
            Some(b'0') => {
                if matches!(self.peek(), Some(b'0'..=b'9')) {
                    return Err(JwtError::Json);
                }
                0
            }
            Some(d @ b'1'..=b'9') => {
                let mut m = u64::from(d - b'0');
                while let Some(d @ b'0'..=b'9') = self.peek() {
                    m = m
                        .checked_mul(10)
                        .and_then(|m| m.checked_add(u64::from(d - b'0')))
                        .ok_or(JwtError::Json)?;
                    self.i += 1;
                }
                m
            }
            _ => return Err(JwtError::Json),
        };
        if matches!(self.peek(), Some(b'.' | b'e' | b'E')) {
            return Err(JwtError::Json);
        }
        if negative {
            match 0i64.checked_sub_unsigned(magnitude) {
                Some(v) if v != 0 => Ok(v),
                _ => Err(JwtError::Json),
            }
        } else {
            i64::try_from(magnitude).map_err(|_| JwtError::Json)
        }
    }

    /// `null`, or what `value` reads (serde's `Option`).
    fn nullable<T>(
        &mut self,
        value: impl FnOnce(&mut Self) -> Result<T, JwtError>,
    ) -> Result<Option<T>, JwtError> {
        if self.peek_ws() == Some(b'n') {
            self.i += 1;
            self.literal(b"ull")?;
            return Ok(None);
        }
        value(self).map(Some)
    }

    /// The members of the claims object, after its `{`, through its `}`.
    fn object(&mut self) -> Result<RawClaims<'a>, JwtError> {
        /// A claim seen twice is an error, as serde's derived struct reading has it.
        fn once<T>(slot: &mut Option<T>, value: T) -> Result<(), JwtError> {
            if slot.is_some() {
                return Err(JwtError::Json);
            }
            *slot = Some(value);
            Ok(())
        }
        let mut exp = None;
        let (mut iat, mut sub, mut username, mut cognito_username, mut token_use) =
            (None, None, None, None, None);
        match self.peek_ws() {
            Some(b'}') => self.i += 1,
            Some(b'"') => loop {
                self.i += 1;
                let key = self.key()?;
                // Compact JSON (as Cognito sends it) has the colon right after the key.
                if self.peek() == Some(b':') {
                    self.i += 1;
                } else {
                    self.expect_ws(b':')?;
                }
                match key {
                    Key::Exp => once(&mut exp, self.int()?)?,
                    Key::Iat => once(&mut iat, self.nullable(Self::int)?)?,
                    Key::Sub => once(&mut sub, self.nullable(Self::str_value)?)?,
                    Key::Username => once(&mut username, self.nullable(Self::str_value)?)?,
                    Key::CognitoUsername => {
                        once(&mut cognito_username, self.nullable(Self::str_value)?)?;
                    }
                    Key::TokenUse => once(&mut token_use, self.nullable(Self::str_value)?)?,
                    // Most claims are strings, skipped here without a call.
                    Key::Other if self.peek() == Some(b'"') => {
                        self.i += 1;
                        self.skip_string()?;
                    }
                    Key::Other => self.skip_value()?,
                }
                // Compact JSON: the next key's quote right after the comma.
                if self.b.get(self.i..self.i + 2) == Some(b",\"") {
                    self.i += 1;
                    continue;
                }
                match self.peek_ws() {
                    Some(b',') => {
                        self.i += 1;
                        if self.peek_ws() != Some(b'"') {
                            return Err(JwtError::Json);
                        }
                    }
                    Some(b'}') => {
                        self.i += 1;
                        break;
                    }
                    _ => return Err(JwtError::Json),
                }
            },
            _ => return Err(JwtError::Json),
        }
        Ok(RawClaims {
            exp: exp.ok_or(JwtError::Json)?,
            iat: iat.flatten(),
            sub: sub.flatten(),
            username: username.flatten(),
            cognito_username: cognito_username.flatten(),
            token_use: token_use.flatten(),
        })
    }

    /// Whether another element of an array follows (its comma consumed), as serde_json's
    /// sequence reading decides it.
    fn next_element(&mut self, first: &mut bool) -> Result<bool, JwtError> {
        match self.peek_ws() {
            Some(b']') => Ok(false),
            Some(_) if *first => {
                *first = false;
                Ok(true)
            }
            Some(b',') => {
                self.i += 1;
                match self.peek_ws() {
                    Some(b']') | None => Err(JwtError::Json),
                    Some(_) => Ok(true),
                }
            }
            _ => Err(JwtError::Json),
        }
    }

    /// The claims as an array (serde reads a struct from one, fields in declaration order:
    /// `exp` required, the others defaulting), after its `[`, through its `]`.
    fn array(&mut self) -> Result<RawClaims<'a>, JwtError> {
        let mut first = true;
        if !self.next_element(&mut first)? {
            return Err(JwtError::Json);
        }
        let exp = self.int()?;
        let mut claims = RawClaims {
            exp,
            iat: None,
            sub: None,
            username: None,
            cognito_username: None,
            token_use: None,
        };
        if self.next_element(&mut first)? {
            claims.iat = self.nullable(Self::int)?;
            for field in [
                &mut claims.sub,
                &mut claims.username,
                &mut claims.cognito_username,
                &mut claims.token_use,
            ] {
                if !self.next_element(&mut first)? {
                    break;
                }
                *field = self.nullable(Self::str_value)?;
            }
        }
        self.expect_ws(b']')?;
        Ok(claims)
    }

    /// A key of a skipped object and its colon.
    fn skip_key(&mut self) -> Result<(), JwtError> {
        self.expect_ws(b'"')?;
        self.skip_string()?;
        self.expect_ws(b':')
    }

    /// A number skipped after its optional minus sign: JSON's grammar, any size.
    fn skip_number(&mut self) -> Result<(), JwtError> {
        fn digits(scan: &mut Scan<'_>) {
            while matches!(scan.peek(), Some(b'0'..=b'9')) {
                scan.i += 1;
            }
        }
        fn some_digits(scan: &mut Scan<'_>) -> Result<(), JwtError> {
            if !matches!(scan.peek(), Some(b'0'..=b'9')) {
                return Err(JwtError::Json);
            }
            digits(scan);
            Ok(())
        }
        match self.next() {
            Some(b'0') => {
                if matches!(self.peek(), Some(b'0'..=b'9')) {
                    return Err(JwtError::Json);
                }
            }
            Some(b'1'..=b'9') => digits(self),
            _ => return Err(JwtError::Json),
        }
        if self.peek() == Some(b'.') {
            self.i += 1;
            some_digits(self)?;
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.i += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.i += 1;
            }
            some_digits(self)?;
        }
        Ok(())
    }

    /// Any JSON value, checked and skipped without building it (serde's `IgnoredAny`); nested
    /// to any depth, without recursion.
    fn skip_value(&mut self) -> Result<(), JwtError> {
        // Most claims are strings.
        if self.peek_ws() == Some(b'"') {
            self.i += 1;
            return self.skip_string();
        }
        let mut open = Frames::default();
        loop {
            // A value.
            match self.peek_ws().ok_or(JwtError::Json)? {
                b'n' => {
                    self.i += 1;
                    self.literal(b"ull")?;
                }
                b't' => {
                    self.i += 1;
                    self.literal(b"rue")?;
                }
                b'f' => {
                    self.i += 1;
                    self.literal(b"alse")?;
                }
                b'-' => {
                    self.i += 1;
                    self.skip_number()?;
                }
                b'0'..=b'9' => self.skip_number()?,
                b'"' => {
                    self.i += 1;
                    self.skip_string()?;
                }
                bracket @ (b'[' | b'{') => {
                    self.i += 1;
                    let object = bracket == b'{';
                    let close = if object { b'}' } else { b']' };
                    if self.peek_ws() == Some(close) {
                        self.i += 1;
                    } else {
                        open.push(object);
                        if object {
                            self.skip_key()?;
                        }
                        continue;
                    }
                }
                _ => return Err(JwtError::Json),
            }
            // After a value: closing brackets, then a comma before the next value.
            loop {
                let Some(object) = open.innermost() else {
                    return Ok(());
                };
                match self.peek_ws() {
                    Some(b',') => {
                        self.i += 1;
                        if object {
                            self.skip_key()?;
                        }
                        break;
                    }
                    Some(b'}') if object => {
                        self.i += 1;
                        open.pop();
                    }
                    Some(b']') if !object => {
                        self.i += 1;
                        open.pop();
                    }
                    _ => return Err(JwtError::Json),
                }
            }
        }
    }
}

/// The arrays and objects open around a skipped value, a bit each (set for an object): the
/// innermost 64 in a word, deeper ones spilled to the heap.
#[derive(Default)]
struct Frames {
    bits: u64,
    depth: usize,
    spilled: Vec<u64>,
}

impl Frames {
    fn push(&mut self, object: bool) {
        if self.depth > 0 && self.depth.is_multiple_of(64) {
            self.spilled.push(self.bits);
            self.bits = 0;
        }
        self.bits = (self.bits << 1) | u64::from(object);
        self.depth += 1;
    }

    fn innermost(&self) -> Option<bool> {
        (self.depth > 0).then_some(self.bits & 1 == 1)
    }

    fn pop(&mut self) {
        if self.depth == 0 {
            return;
        }
        self.depth -= 1;
        self.bits >>= 1;
        if self.depth > 0 && self.depth.is_multiple_of(64) {
            self.bits = self.spilled.pop().unwrap_or(0);
        }
    }
}

#[cfg(test)]
mod tests;

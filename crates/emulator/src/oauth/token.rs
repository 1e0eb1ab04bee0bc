//! `/oauth2/token`, `/oauth2/userInfo` and `/oauth2/revoke`: the app's side of the hosted UI,
//! called directly (not through the browser).

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use serde_json::{json, Map, Value};
use sha2::{Digest as _, Sha256};

use super::client::ClientSettings;
use super::{param, WebRequest, WebResponse};
use crate::error::ErrorKind;
use crate::model::RefreshRecord;
use crate::state::Emulator;
use crate::time::UnixMillis;
use crate::user_pool::access::{verify_access_token, USER_ADMIN_SCOPE};
use crate::user_pool::auth::{issue_tokens, rotate, usable_refresh_token};
use crate::user_pool::lookup::{client, pool, pool_of_client};
use crate::USER_POOL_PREFIX;

/// An authenticated (or public) client.
struct ClientAuth {
    pool_id: String,
    client_id: String,
    secret: Option<String>,
    settings: ClientSettings,
}

fn invalid_request(description: &str) -> WebResponse {
    WebResponse::oauth_error(400, "invalid_request", description)
}

fn invalid_grant(description: &str) -> WebResponse {
    WebResponse::oauth_error(400, "invalid_grant", description)
}

/// `client_id:client_secret` from an `Authorization: Basic` header.
fn basic_credentials(request: &WebRequest) -> Option<Option<(String, String)>> {
    let header = request.authorization.as_deref()?;
    let (scheme, value) = header.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = STANDARD
        .decode(value.trim())
        .ok()
        .and_then(|b| String::from_utf8(b).ok());
    Some(decoded.and_then(|pair| {
        pair.split_once(':')
            .map(|(id, secret)| (id.to_owned(), secret.to_owned()))
    }))
}

/// RFC 6749 §2.3: a client with a secret authenticates with HTTP Basic (or `client_secret` in
/// the form); one without a secret names itself with `client_id`.
fn authenticate(emu: &Emulator, request: &WebRequest) -> Result<ClientAuth, WebResponse> {
    let basic = basic_credentials(request);
    let used_basic = basic.is_some();
    let invalid_client = |description: &str| {
        let mut r = WebResponse::oauth_error(
            if used_basic { 401 } else { 400 },
            "invalid_client",
            description,
        );
        if used_basic {
            r.headers.push((
                "WWW-Authenticate".to_owned(),
                "Basic realm=\"cognito\"".to_owned(),
            ));
        }
        r
    };
    let basic = match basic {
        Some(None) => return Err(invalid_client("Malformed Basic authorization header")),
        Some(Some(pair)) => Some(pair),
        None => None,
    };
    let form_id = param(&request.form, "client_id");
    let client_id = match (&basic, form_id) {
        (Some((id, _)), Some(f)) if id != f => {
            return Err(invalid_client(
                "client_id does not match the Basic credentials",
            ))
        }
        (Some((id, _)), _) => id.clone(),
        (None, Some(f)) => f.to_owned(),
        (None, None) => return Err(invalid_request("client_id is required")),
    };
    let pool_id = pool_of_client(emu, &client_id).map_err(|_| invalid_client("Invalid client"))?;
    let c = pool(emu, &pool_id)
        .and_then(|p| client(p, &client_id))
        .map_err(|_| invalid_client("Invalid client"))?;
    let given = basic
        .as_ref()
        .map(|(_, s)| s.as_str())
        .or_else(|| param(&request.form, "client_secret"));
    match (&c.secret, given) {
        (Some(secret), Some(g)) if g == secret.0 => {}
        (Some(_), _) => return Err(invalid_client("Client authentication failed")),
        (None, Some(g)) if !g.is_empty() => return Err(invalid_client("The client has no secret")),
        (None, _) => {}
    }
    Ok(ClientAuth {
        pool_id,
        client_id,
        secret: c.secret.as_ref().map(|s| s.0.clone()),
        settings: ClientSettings::of(c),
    })
}

/// `POST /oauth2/token`.
pub(super) fn token(emu: &mut Emulator, request: &WebRequest, now: UnixMillis) -> WebResponse {
    let auth = match authenticate(emu, request) {
        Ok(a) => a,
        Err(r) => return r,
    };
    if !auth.settings.enabled {
        return WebResponse::oauth_error(
            400,
            "unauthorized_client",
            "The client is not allowed to use OAuth flows",
        );
    }
    match param(&request.form, "grant_type") {
        None => invalid_request("grant_type is required"),
        Some("authorization_code") if !auth.settings.allows_flow("code") => {
            WebResponse::oauth_error(
                400,
                "unauthorized_client",
                "The client does not allow the code flow",
            )
        }
        Some("authorization_code") => exchange_code(emu, request, &auth, now),
        Some("refresh_token") => refresh(emu, request, &auth, now),
        Some("client_credentials") if !auth.settings.allows_flow("client_credentials") => {
            WebResponse::oauth_error(
                400,
                "unauthorized_client",
                "The client does not allow client_credentials",
            )
        }
        Some(_) => WebResponse::oauth_error(
            400,
            "unsupported_grant_type",
            "Only authorization_code and refresh_token are emulated",
        ),
    }
}

fn exchange_code(
    emu: &mut Emulator,
    request: &WebRequest,
    auth: &ClientAuth,
    now: UnixMillis,
) -> WebResponse {
    let form = &request.form;
    let Some(code) = param(form, "code") else {
        return invalid_request("code is required");
    };
    // A code is spent by its first use, whatever the outcome (RFC 6749 §4.1.2).
    let Some(grant) = emu.oauth.codes.remove(code) else {
        return invalid_grant("Invalid authorization code");
    };
    if grant.expires <= now || grant.client_id != auth.client_id || grant.pool_id != auth.pool_id {
        return invalid_grant("Invalid authorization code");
    }
    if param(form, "redirect_uri") != Some(grant.redirect_uri.as_str()) {
        return invalid_grant("redirect_uri does not match the authorization request");
    }
    if let Some(challenge) = &grant.code_challenge {
        let Some(verifier) = param(form, "code_verifier") else {
            return invalid_grant("code_verifier is required");
        };
        let computed = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
        if computed != *challenge {
            return invalid_grant("code_verifier does not match the code_challenge");
        }
    }
    let scopes = grant.scopes.join(" ");
    match mint(
        emu,
        &grant.user_key,
        auth,
        now,
        None,
        &scopes,
        grant.nonce.as_deref(),
    ) {
        Ok(body) => WebResponse::json(200, &body),
        Err(refused) => refused,
    }
}

/// The `refresh_token` grant: new access and id tokens, and, on a client with refresh-token
/// rotation on, a new refresh token too, the submitted one staying valid for the client's
/// grace period ("OAuth token endpoint" in the developer guide's "Refresh tokens"; grace
/// period: API reference, RefreshTokenRotationType). A token rotated out beyond its grace
/// period is `invalid_grant`, as any other refresh token the endpoint will not honour.
fn refresh(
    emu: &mut Emulator,
    request: &WebRequest,
    auth: &ClientAuth,
    now: UnixMillis,
) -> WebResponse {
    let Some(token) = param(&request.form, "refresh_token") else {
        return invalid_request("refresh_token is required");
    };
    let rec = match usable_refresh_token(emu, &auth.pool_id, &auth.client_id, token, now) {
        Ok(rec) => rec,
        Err(e) => return invalid_grant(&e.message),
    };
    let scopes = emu
        .oauth
        .family_scopes
        .get(&rec.origin_jti)
        .cloned()
        .unwrap_or_else(|| USER_ADMIN_SCOPE.to_owned());
    let key = rec.username.clone();
    let mut body = match mint(emu, &key, auth, now, Some(&rec), &scopes, None) {
        Ok(body) => body,
        Err(refused) => return refused,
    };
    let c = pool(emu, &auth.pool_id)
        .and_then(|p| client(p, &auth.client_id))
        .cloned();
    if let Ok(c) = c {
        if let Some(new) = rotate(emu, &c, token, &rec, now) {
            body["refresh_token"] = json!(new);
        }
    }
    WebResponse::json(200, &body)
}

/// Issues tokens like a sign-in does, with the granted scopes in the access token, then signs
/// them: the token endpoint's answer body, or its error answer. The id token is issued only
/// with the `openid` scope.
fn mint(
    emu: &mut Emulator,
    user_key: &str,
    auth: &ClientAuth,
    now: UnixMillis,
    refresh: Option<&RefreshRecord>,
    scopes: &str,
    nonce: Option<&str>,
) -> Result<Value, WebResponse> {
    let usable = pool(emu, &auth.pool_id)
        .ok()
        .and_then(|p| p.users.get(user_key))
        .is_some_and(|u| u.enabled);
    if !usable {
        return Err(invalid_grant("User does not exist or is disabled"));
    }
    let device_key = refresh.and_then(|r| r.device_key.clone());
    let result = match issue_tokens(
        emu,
        &auth.pool_id,
        &auth.client_id,
        user_key,
        now,
        device_key,
        refresh,
    ) {
        Ok(r) => r,
        Err(e) => return Err(invalid_grant(&e.message)),
    };
    let mut signed = Map::new();
    // The hosted UI signs its own answers: it takes what issue_tokens queued for signing.
    for (placeholder, mut claims) in std::mem::take(&mut emu.pending) {
        match claims.get("token_use").and_then(Value::as_str) {
            Some("access") => {
                claims.insert("scope".into(), json!(scopes));
                claims.insert("version".into(), json!(2));
                if let Some(jti) = claims.get("origin_jti").and_then(Value::as_str) {
                    emu.oauth
                        .family_scopes
                        .insert(jti.to_owned(), scopes.to_owned());
                }
            }
            Some("id") => {
                if let Some(n) = nonce {
                    claims.insert("nonce".into(), json!(n));
                }
            }
            _ => {}
        }
        signed.insert(placeholder, json!(emu.signer.sign(&claims)));
    }
    let token_of = |name: &str| {
        result
            .get(name)
            .and_then(Value::as_str)
            .and_then(|p| signed.get(p))
            .cloned()
    };
    let mut body = json!({
        "access_token": token_of("AccessToken"),
        "expires_in": result.get("ExpiresIn").cloned().unwrap_or(json!(3600)),
        "token_type": "Bearer",
    });
    if scopes.split(' ').any(|s| s == "openid") {
        body["id_token"] = token_of("IdToken").unwrap_or(Value::Null);
    }
    if let Some(rt) = result.get("RefreshToken") {
        body["refresh_token"] = rt.clone();
    }
    Ok(body)
}

fn bearer_error(error: &str, description: &str) -> WebResponse {
    let mut r = WebResponse::oauth_error(401, error, description);
    r.headers.push((
        "WWW-Authenticate".to_owned(),
        format!("Bearer error=\"{error}\", error_description=\"{description}\""),
    ));
    r
}

/// `GET|POST /oauth2/userInfo`: the signed-in user's attributes, for an access token with the
/// `openid` scope; `email`, `phone` and `profile` select which attributes.
pub(super) fn user_info(emu: &mut Emulator, request: &WebRequest, now: UnixMillis) -> WebResponse {
    let token = request
        .authorization
        .as_deref()
        .and_then(|h| h.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, t)| t.trim());
    let Some(token) = token else {
        return bearer_error("invalid_request", "Bearer access token is required");
    };
    // The userInfo endpoint needs `openid`, not the API's `aws.cognito.signin.user.admin`.
    let caller = match verify_access_token(emu, token, now, None) {
        Ok(c) => c,
        Err(e) => return bearer_error("invalid_token", &e.message),
    };
    if !caller.has_scope("openid") {
        return bearer_error(
            "invalid_token",
            "Access token does not contain the openid scope",
        );
    }
    let Some(user) = emu
        .pools
        .get(&caller.pool_id)
        .and_then(|p| p.users.get(&caller.user_key))
    else {
        return bearer_error("invalid_token", "User does not exist");
    };
    let all = caller.has_scope(USER_ADMIN_SCOPE);
    let mut body = json!({"sub": user.sub, "username": user.username});
    for (name, value) in &user.attributes {
        let wanted = all
            || match name.as_str() {
                "email" | "email_verified" => caller.has_scope("email"),
                "phone_number" | "phone_number_verified" => caller.has_scope("phone"),
                _ => caller.has_scope("profile"),
            };
        if wanted && name != "sub" {
            body[name.as_str()] = json!(value);
        }
    }
    WebResponse::json(200, &body)
}

/// `POST /oauth2/revoke`: revokes a refresh token and the tokens issued with it.
pub(super) fn revoke(emu: &mut Emulator, request: &WebRequest, now: UnixMillis) -> WebResponse {
    let auth = match authenticate(emu, request) {
        Ok(a) => a,
        Err(r) => return r,
    };
    let Some(token) = param(&request.form, "token") else {
        return invalid_request("token is required");
    };
    let mut body = json!({"Token": token, "ClientId": auth.client_id});
    if let Some(secret) = &auth.secret {
        body["ClientSecret"] = json!(secret);
    }
    // The same operation as the API's RevokeToken.
    let target = format!("{USER_POOL_PREFIX}RevokeToken");
    match emu.handle(&target, &body, now) {
        Ok(_) => WebResponse {
            status: 200,
            headers: Vec::new(),
            body: String::new(),
        },
        Err(e) => match e.kind {
            ErrorKind::UnsupportedTokenType => {
                WebResponse::oauth_error(400, "unsupported_token_type", &e.message)
            }
            ErrorKind::UnauthorizedClient => {
                WebResponse::oauth_error(400, "unauthorized_client", &e.message)
            }
            _ => invalid_request(&e.message),
        },
    }
}

//! `/oauth2/authorize`, `/login` and `/logout`: the browser's side of the hosted UI.
//!
//! Errors that concern the client or the redirect URI itself are shown on the `/error` page and
//! never redirected (RFC 6749 §4.1.2.1: a `redirect_uri` that is not registered is never
//! followed); every other error goes back to the registered redirect URI with `error`,
//! `error_description` and the request's `state`.

use super::client::ClientSettings;
use super::html;
use super::{
    param, with_query, AuthCode, LoginSession, WebRequest, WebResponse, CODE_LIFETIME_S,
    CSRF_COOKIE, SESSION_COOKIE, SESSION_LIFETIME_S,
};
use crate::model::{MfaConfig, UserStatus};
use crate::state::{Emulator, ALNUM};
use crate::time::UnixMillis;
use crate::user_pool::lookup::{client, pool, pool_of_client, user_key};
use crate::user_pool::passwords::password_matches;
use crate::user_pool::users::enabled_mfas;

/// A checked authorization request.
#[derive(Debug, Clone)]
struct Authz {
    pool_id: String,
    client_id: String,
    client_name: String,
    redirect_uri: String,
    state: Option<String>,
    scopes: Vec<String>,
    code_challenge: Option<String>,
    nonce: Option<String>,
}

/// Why an authorization request is refused.
enum Refusal {
    /// Shown to the user; the client is unknown or the redirect URI is not registered.
    Page(&'static str, String),
    /// Sent back to the (registered) redirect URI.
    Redirect {
        redirect_uri: String,
        state: Option<String>,
        error: &'static str,
        description: String,
    },
}

impl Refusal {
    fn respond(self) -> WebResponse {
        match self {
            Self::Page(error, description) => WebResponse::redirect(with_query(
                "/error",
                &[("error", error), ("error_description", &description)],
            )),
            Self::Redirect {
                redirect_uri,
                state,
                error,
                description,
            } => {
                let mut pairs = vec![
                    ("error", error),
                    ("error_description", description.as_str()),
                ];
                if let Some(s) = &state {
                    pairs.push(("state", s.as_str()));
                }
                WebResponse::redirect(with_query(&redirect_uri, &pairs))
            }
        }
    }
}

fn check_request(emu: &Emulator, q: &[(String, String)]) -> Result<Authz, Refusal> {
    let page = |e: &'static str, d: &str| Refusal::Page(e, d.to_owned());
    let client_id =
        param(q, "client_id").ok_or_else(|| page("invalid_request", "client_id is required"))?;
    let pool_id =
        pool_of_client(emu, client_id).map_err(|_| page("invalid_request", "Invalid client id"))?;
    if super::pool_domain(emu, &pool_id).is_none() {
        return Err(page(
            "invalid_request",
            "The user pool has no domain: the hosted UI is off",
        ));
    }
    let pool = pool(emu, &pool_id).map_err(|_| page("invalid_request", "Invalid client id"))?;
    let c = client(pool, client_id).map_err(|_| page("invalid_request", "Invalid client id"))?;
    let settings = ClientSettings::of(c);
    let redirect_uri = match param(q, "redirect_uri") {
        Some(r) if settings.callback_urls.iter().any(|u| u == r) => r.to_owned(),
        _ => {
            return Err(page(
                "redirect_mismatch",
                "redirect_uri is not a callback URL of the client",
            ))
        }
    };
    let state = param(q, "state").map(str::to_owned);
    let refuse = |error: &'static str, description: &str| Refusal::Redirect {
        redirect_uri: redirect_uri.clone(),
        state: state.clone(),
        error,
        description: description.to_owned(),
    };
    check_flow(&settings, q).map_err(|(e, d)| refuse(e, d))?;
    let scopes = check_scopes(&settings, q).map_err(|(e, d)| refuse(e, &d))?;
    let code_challenge = check_pkce(q).map_err(|(e, d)| refuse(e, d))?;
    Ok(Authz {
        pool_id,
        client_id: client_id.to_owned(),
        client_name: c.name.clone(),
        redirect_uri: redirect_uri.clone(),
        state: state.clone(),
        scopes,
        code_challenge,
        nonce: param(q, "nonce").map(str::to_owned),
    })
}

type Problem<D> = (&'static str, D);

fn check_flow(
    settings: &ClientSettings,
    q: &[(String, String)],
) -> Result<(), Problem<&'static str>> {
    if !settings.enabled {
        return Err((
            "unauthorized_client",
            "The client is not allowed to use OAuth flows",
        ));
    }
    match param(q, "response_type") {
        None => return Err(("invalid_request", "response_type is required")),
        Some("code") if settings.allows_flow("code") => {}
        Some("code") => {
            return Err((
                "unauthorized_client",
                "The client does not allow the code flow",
            ))
        }
        Some("token") if !settings.allows_flow("implicit") => {
            return Err((
                "unauthorized_client",
                "The client does not allow the implicit flow",
            ))
        }
        Some(_) => {
            return Err((
                "unsupported_response_type",
                "Only response_type=code is emulated",
            ))
        }
    }
    match param(q, "identity_provider") {
        Some("COGNITO") | None => {}
        Some(_) => {
            return Err((
                "invalid_request",
                "The emulator has no such identity provider",
            ))
        }
    }
    if param(q, "idp_identifier").is_some() {
        return Err((
            "invalid_request",
            "The emulator has no identity provider with that identifier",
        ));
    }
    if !settings.identity_providers.iter().any(|i| i == "COGNITO") {
        return Err((
            "unauthorized_client",
            "The client does not support sign-in with the user pool (COGNITO)",
        ));
    }
    Ok(())
}

fn check_scopes(
    settings: &ClientSettings,
    q: &[(String, String)],
) -> Result<Vec<String>, Problem<String>> {
    let requested: Vec<String> = param(q, "scope")
        .map(|s| s.split_whitespace().map(str::to_owned).collect())
        .unwrap_or_default();
    if requested.is_empty() {
        return Ok(settings.scopes.clone());
    }
    match requested.iter().find(|s| !settings.scopes.contains(s)) {
        Some(s) => Err((
            "invalid_scope",
            format!("The client may not request scope {s}"),
        )),
        None => Ok(requested),
    }
}

/// PKCE (RFC 7636): Cognito supports `S256` only. It is optional, for clients with or without a
/// secret: `code_challenge_method` is optional and `code_challenge` is "required only when the
/// `code_challenge_method` is specified" (developer guide, Authorize endpoint).
fn check_pkce(q: &[(String, String)]) -> Result<Option<String>, Problem<&'static str>> {
    match (
        param(q, "code_challenge"),
        param(q, "code_challenge_method"),
    ) {
        (Some(c), Some("S256")) => {
            let well_formed = c.len() == 43
                && c.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
            if well_formed {
                Ok(Some(c.to_owned()))
            } else {
                Err((
                    "invalid_request",
                    "code_challenge must be a base64url SHA-256 digest",
                ))
            }
        }
        (Some(_), _) => Err(("invalid_request", "code_challenge_method must be S256")),
        (None, Some(_)) => Err((
            "invalid_request",
            "code_challenge is required with code_challenge_method",
        )),
        (None, None) => Ok(None),
    }
}

fn cookie<'a>(request: &'a WebRequest, name: &str) -> Option<&'a str> {
    param(&request.cookies, name)
}

/// `GET /oauth2/authorize`: a signed-in browser gets its code at once, others go to `/login`.
pub(super) fn authorize(emu: &mut Emulator, request: &WebRequest, now: UnixMillis) -> WebResponse {
    let authz = match check_request(emu, &request.query) {
        Ok(a) => a,
        Err(r) => return r.respond(),
    };
    let remembered = cookie(request, SESSION_COOKIE)
        .and_then(|sid| emu.oauth.sessions.get(sid))
        .filter(|s| s.pool_id == authz.pool_id)
        .map(|s| s.user_key.clone());
    if let Some(key) = remembered {
        if signable_user(emu, &authz.pool_id, &key).is_ok() {
            return issue_code(emu, &authz, key, now);
        }
    }
    let pairs: Vec<(&str, &str)> = request
        .query
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    WebResponse::redirect(with_query("/login", &pairs))
}

fn login_action(request: &WebRequest) -> String {
    let pairs: Vec<(&str, &str)> = request
        .query
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    with_query("/login", &pairs)
}

fn form_page(
    emu: &mut Emulator,
    request: &WebRequest,
    authz: &Authz,
    username: &str,
    error: Option<&str>,
) -> WebResponse {
    let csrf = emu.random_string(32, ALNUM);
    let body = html::login_form(
        &login_action(request),
        &csrf,
        &authz.client_name,
        username,
        error,
    );
    WebResponse::html(200, body).with_header(
        "Set-Cookie",
        format!("{CSRF_COOKIE}={csrf}; Path=/; HttpOnly; SameSite=Lax"),
    )
}

/// `GET /login`: the sign-in form.
pub(super) fn login_page(
    emu: &mut Emulator,
    request: &WebRequest,
    _now: UnixMillis,
) -> WebResponse {
    match check_request(emu, &request.query) {
        Ok(authz) => form_page(emu, request, &authz, "", None),
        Err(r) => r.respond(),
    }
}

/// `POST /login`: checks the password; success redirects with a code, failure shows the form
/// again with the error.
pub(super) fn login_submit(
    emu: &mut Emulator,
    request: &WebRequest,
    now: UnixMillis,
) -> WebResponse {
    let authz = match check_request(emu, &request.query) {
        Ok(a) => a,
        Err(r) => return r.respond(),
    };
    let username = param(&request.form, "username")
        .unwrap_or_default()
        .trim()
        .to_owned();
    let csrf_ok = match (cookie(request, CSRF_COOKIE), param(&request.form, "_csrf")) {
        (Some(c), Some(f)) => !c.is_empty() && c == f,
        _ => false,
    };
    if !csrf_ok {
        let msg = "Your sign-in form expired. Please try again.";
        return form_page(emu, request, &authz, &username, Some(msg));
    }
    let password = param(&request.form, "password").unwrap_or_default();
    match check_password(emu, &authz.pool_id, &username, password, now) {
        Ok(key) => {
            let sid = emu.random_string(48, ALNUM);
            emu.oauth.sessions.insert(
                sid.clone(),
                LoginSession {
                    pool_id: authz.pool_id.clone(),
                    user_key: key.clone(),
                    expires: now.plus_secs(SESSION_LIFETIME_S),
                },
            );
            issue_code(emu, &authz, key, now).with_header(
                "Set-Cookie",
                format!(
                    "{SESSION_COOKIE}={sid}; Path=/; HttpOnly; SameSite=Lax; Max-Age={SESSION_LIFETIME_S}"
                ),
            )
        }
        Err(message) => form_page(emu, request, &authz, &username, Some(message)),
    }
}

fn check_password(
    emu: &Emulator,
    pool_id: &str,
    username: &str,
    password: &str,
    now: UnixMillis,
) -> Result<String, &'static str> {
    const WRONG: &str = "Incorrect username or password.";
    let p = pool(emu, pool_id).map_err(|_| WRONG)?;
    let key = user_key(p, username).ok_or(WRONG)?;
    let u = p.users.get(&key).ok_or(WRONG)?;
    if !password_matches(u, password) {
        return Err(WRONG);
    }
    let temporary_expired = u
        .password
        .as_ref()
        .and_then(|r| r.temporary_until)
        .is_some_and(|until| until <= now);
    if temporary_expired {
        return Err("Temporary password has expired and must be reset by an administrator.");
    }
    signable_user(emu, pool_id, &key)?;
    Ok(key)
}

/// Whether the hosted UI can finish a sign-in for this user without another step.
fn signable_user(emu: &Emulator, pool_id: &str, key: &str) -> Result<(), &'static str> {
    let p = pool(emu, pool_id).map_err(|_| "User does not exist.")?;
    let u = p.users.get(key).ok_or("User does not exist.")?;
    if !u.enabled {
        return Err("User is disabled.");
    }
    match u.status {
        UserStatus::Confirmed => {}
        UserStatus::Unconfirmed => return Err("User is not confirmed."),
        UserStatus::ForceChangePassword | UserStatus::ResetRequired => {
            return Err(
                "A password change is required; the emulator's hosted UI does not offer it.",
            )
        }
    }
    let mfa = match p.mfa {
        MfaConfig::Off => false,
        MfaConfig::On => true,
        MfaConfig::Optional => !enabled_mfas(p, u).is_empty(),
    };
    if mfa {
        return Err("MFA is required; the emulator's hosted UI does not offer it.");
    }
    Ok(())
}

fn issue_code(emu: &mut Emulator, authz: &Authz, user_key: String, now: UnixMillis) -> WebResponse {
    let code = emu.uuid();
    emu.oauth.codes.insert(
        code.clone(),
        AuthCode {
            pool_id: authz.pool_id.clone(),
            client_id: authz.client_id.clone(),
            user_key,
            redirect_uri: authz.redirect_uri.clone(),
            scopes: authz.scopes.clone(),
            code_challenge: authz.code_challenge.clone(),
            nonce: authz.nonce.clone(),
            expires: now.plus_secs(CODE_LIFETIME_S),
        },
    );
    let mut pairs = vec![("code", code.as_str())];
    if let Some(s) = &authz.state {
        pairs.push(("state", s.as_str()));
    }
    WebResponse::redirect(with_query(&authz.redirect_uri, &pairs))
}

/// `GET /logout`: ends the hosted-UI session, then redirects to a registered sign-out URL
/// (`logout_uri`) or back to the sign-in page (`redirect_uri` with the authorize parameters).
pub(super) fn logout(emu: &mut Emulator, request: &WebRequest) -> WebResponse {
    let q = &request.query;
    let Some(client_id) = param(q, "client_id") else {
        return html::error_page("invalid_request", "client_id is required");
    };
    let settings = match pool_of_client(emu, client_id).and_then(|p| {
        pool(emu, &p)
            .and_then(|p| client(p, client_id))
            .map(ClientSettings::of)
    }) {
        Ok(s) => s,
        Err(_) => return html::error_page("invalid_request", "Invalid client id"),
    };
    let target = if let Some(uri) = param(q, "logout_uri") {
        if !settings.logout_urls.iter().any(|u| u == uri) {
            return html::error_page(
                "redirect_mismatch",
                "logout_uri is not a sign-out URL of the client",
            );
        }
        uri.to_owned()
    } else if param(q, "redirect_uri").is_some() {
        if let Err(r) = check_request(emu, q) {
            return r.respond();
        }
        login_action(request)
    } else {
        return html::error_page("invalid_request", "logout_uri or redirect_uri is required");
    };
    if let Some(sid) = cookie(request, SESSION_COOKIE) {
        emu.oauth.sessions.remove(sid);
    }
    WebResponse::redirect(target).with_header(
        "Set-Cookie",
        format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0"),
    )
}

//! The hosted UI's redirect checks (the configured redirect URI, then `state`, then `error` or
//! `code`), its endpoints' transport rule, and the refresh of a hosted-UI session through the
//! token endpoint.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use cognito_auth_machine::cognito::{OAuthTokenResponse, ServiceError};
use cognito_auth_machine::config::{ConfigError, OAuthConfig};
use cognito_auth_machine::*;
use common::*;

/// The hosted UI on its own app client, not the user pool's: refresh tokens are bound to the
/// client that got them.
fn web_config(oauth: OAuthConfig) -> Config {
    Config {
        oauth: Some(oauth),
        ..config_full()
    }
}

fn web_oauth() -> OAuthConfig {
    OAuthConfig {
        app_client_id: "webclient9".into(),
        sign_in_redirect_uri: "http://127.0.0.1:8123/callback".into(),
        ..oauth()
    }
}

/// Starts a hosted-UI sign-in and returns the `state` its authorization URL carries.
fn start(h: &mut Harness) -> String {
    let op = h.call(ApiCall::SignInWithWebUi {
        identity_provider: None,
        scopes: vec![],
        federation_provider_name: None,
    });
    let Some(Ok(Answer::OpenUrl { url })) = h.reply(op) else {
        panic!("no authorization URL: {:?}", h.reply(op))
    };
    url.split("state=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap()
        .to_owned()
}

fn redirect(h: &mut Harness, url: &str) -> OperationId {
    h.call(ApiCall::HandleRedirect {
        url: Secret::new(url.to_owned()),
    })
}

fn assert_refused(h: &Harness, op: OperationId, why: &str) {
    match h.reply(op) {
        Some(Err(AuthError::InvalidParameter { message })) => {
            assert!(message.contains(why), "{message:?} does not say {why:?}")
        }
        other => panic!("expected a refused redirect ({why}), got {other:?}"),
    }
    assert!(
        !h.effects
            .iter()
            .any(|(_, e)| matches!(e, Effect::OAuthToken { .. })),
        "a refused redirect exchanges nothing"
    );
}

fn web_tokens(h: &Harness, n: u32) -> EffectResult {
    let r = auth_result("web", h.now_s(), 3600, n);
    EffectResult::OAuth(Ok(OAuthTokenResponse {
        access_token: r.access_token,
        id_token: r.id_token,
        refresh_token: r.refresh_token,
        expires_in: 3600,
    }))
}

#[test]
fn a_forged_redirect_is_refused_and_the_sign_in_keeps_waiting_for_the_real_one() {
    let mut h = Harness::new(web_config(web_oauth()), None);
    let state = start(&mut h);
    let base = "http://127.0.0.1:8123/callback";

    // Without state, or with another one, an error does not cancel the sign-in...
    let forged = redirect(&mut h, &format!("{base}?error=access_denied"));
    assert_refused(&h, forged, "state");
    let forged = redirect(&mut h, &format!("{base}?error=access_denied&state=forged"));
    assert_refused(&h, forged, "state");
    // ...and a code does not get exchanged.
    let forged = redirect(&mut h, &format!("{base}?code=stolen&state=forged"));
    assert_refused(&h, forged, "state");
    assert_eq!(h.m.state().label(), "awaiting the hosted UI redirect");
    assert_eq!(h.m.user_state(), UserState::Guest);

    // The real redirect still completes the sign-in.
    let op = redirect(&mut h, &format!("{base}?code=abc&state={state}"));
    let (id, Effect::OAuthToken { request }) =
        h.take_effect(|e| matches!(e, Effect::OAuthToken { .. }))
    else {
        unreachable!()
    };
    assert_eq!(request.form.expose()["code"], "abc");
    let tokens = web_tokens(&h, 1);
    h.complete(id, tokens);
    h.assert_signed_in_answer(op);
    insta::assert_yaml_snapshot!(h.trace);
}

#[test]
fn an_error_with_the_sign_ins_state_ends_the_sign_in() {
    let mut h = Harness::new(web_config(web_oauth()), None);
    let state = start(&mut h);
    let op = redirect(
        &mut h,
        &format!("http://127.0.0.1:8123/callback?error=access_denied&state={state}"),
    );
    assert!(matches!(
        h.reply(op),
        Some(Err(AuthError::HostedUi { error, .. })) if error == "access_denied"
    ));
    assert_eq!(h.m.state().label(), "signed out");
    assert_eq!(h.m.user_state(), UserState::Guest);
    // The flow is over: the same redirect again finds no sign-in waiting.
    let again = redirect(
        &mut h,
        &format!("http://127.0.0.1:8123/callback?code=abc&state={state}"),
    );
    assert!(matches!(h.reply(again), Some(Err(_))));
    insta::assert_yaml_snapshot!(h.trace);
}

#[test]
fn a_redirect_elsewhere_than_the_configured_uri_is_refused() {
    let mut h = Harness::new(web_config(web_oauth()), None);
    let state = start(&mut h);
    for elsewhere in [
        "https://127.0.0.1:8123/callback",
        "http://127.0.0.2:8123/callback",
        "http://localhost:8123/callback",
        "http://127.0.0.1:8124/callback",
        "http://127.0.0.1/callback",
        "http://127.0.0.1:8123/callback/",
        "http://127.0.0.1:8123/other",
        "http://127.0.0.1:8123",
        "myapp://callback",
        "http://evil.example/?next=http://127.0.0.1:8123/callback",
    ] {
        let op = redirect(&mut h, &format!("{elsewhere}?code=abc&state={state}"));
        assert_refused(&h, op, "redirect URI");
    }
    assert_eq!(h.m.state().label(), "awaiting the hosted UI redirect");
    // Scheme and host compare case-insensitively, as URIs define them; a fragment is not
    // part of the target.
    let op = redirect(
        &mut h,
        &format!("HTTP://127.0.0.1:8123/callback?code=abc&state={state}#_=_"),
    );
    let (id, _) = h.take_effect(|e| matches!(e, Effect::OAuthToken { .. }));
    let tokens = web_tokens(&h, 1);
    h.complete(id, tokens);
    h.assert_signed_in_answer(op);
    insta::assert_yaml_snapshot!(h.trace);
}

#[test]
fn oauth_endpoints_are_https_except_on_the_loopback_interface() {
    let with = |f: fn(&mut OAuthConfig)| {
        let mut oauth = web_oauth();
        f(&mut oauth);
        web_config(oauth)
    };
    assert_eq!(web_config(web_oauth()).validate(), Ok(()));
    for loopback in [
        with(|o| o.token_uri = Some("http://127.0.0.1:9229/oauth2/token".into())),
        with(|o| o.sign_in_uri = Some("http://localhost:9229/oauth2/authorize".into())),
        with(|o| o.sign_out_uri = Some("http://[::1]:9229/logout".into())),
        with(|o| o.token_uri = Some("https://tenant.auth0.com/oauth/token".into())),
    ] {
        assert_eq!(loopback.validate(), Ok(()), "{:?}", loopback.oauth);
    }
    for (config, path) in [
        (
            with(|o| o.token_uri = Some("http://tenant.auth0.com/oauth/token".into())),
            "oauth.token_uri",
        ),
        (
            with(|o| o.sign_in_uri = Some("http://127.0.0.1.evil.example/authorize".into())),
            "oauth.sign_in_uri",
        ),
        (
            with(|o| o.sign_out_uri = Some("http://localhost@evil.example/logout".into())),
            "oauth.sign_out_uri",
        ),
    ] {
        assert_eq!(
            config.validate(),
            Err(ConfigError::InsecureEndpoint { path: path.into() })
        );
    }
    // The same documents, parsed.
    let doc = |token_uri: &str| {
        serde_json::json!({
            "CognitoUserPool": {"Default": {"PoolId": "us-east-1_TestPool", "AppClientId": "client123", "Region": "us-east-1"}},
            "Auth": {"Default": {"OAuth": {
                "WebDomain": "auth.example.com", "AppClientId": "client123",
                "SignInRedirectURI": "myapp://callback", "SignOutRedirectURI": "myapp://signout",
                "Scopes": ["openid"], "TokenURI": token_uri
            }}}
        })
        .to_string()
    };
    assert!(Config::from_json_auto(&doc("http://127.0.0.1:9229/oauth2/token")).is_ok());
    assert_eq!(
        Config::from_json_auto(&doc("http://auth.example.com/oauth2/token")),
        Err(ConfigError::InsecureEndpoint {
            path: "Auth.Default.OAuth.TokenURI".into()
        })
    );

    // A configuration built in code is not parsed: the machine refuses to open the hosted UI
    // on an insecure endpoint rather than send a code over it.
    let mut h = Harness::new(
        with(|o| o.web_domain = "http://auth.example.com".into()),
        None,
    );
    let op = h.call(ApiCall::SignInWithWebUi {
        identity_provider: None,
        scopes: vec![],
        federation_provider_name: None,
    });
    assert!(matches!(
        h.reply(op),
        Some(Err(AuthError::NotConfigured { what })) if what.contains("WebDomain")
    ));
    assert!(h.effects.is_empty(), "nothing is opened");
    let mut h = Harness::new(
        with(|o| o.web_domain = "http://127.0.0.1:9229".into()),
        None,
    );
    start(&mut h);
}

#[test]
fn a_hosted_ui_session_refreshes_at_the_token_endpoint_with_the_oauth_client() {
    let mut h = Harness::new(web_config(web_oauth()), None);
    let state = start(&mut h);
    let op = redirect(
        &mut h,
        &format!("http://127.0.0.1:8123/callback?code=abc&state={state}"),
    );
    let (id, _) = h.take_effect(|e| matches!(e, Effect::OAuthToken { .. }));
    let tokens = web_tokens(&h, 1);
    h.complete(id, tokens);
    h.assert_signed_in_answer(op);
    assert!(h.persisted.as_ref().unwrap().hosted_ui);

    // The refresh timer: grant_type=refresh_token, the OAuth app client, no InitiateAuth.
    h.advance_ms(3_400_000);
    h.fire(TimerKind::TokensDue);
    assert!(
        !h.effects
            .iter()
            .any(|(_, e)| matches!(e, Effect::UserPool { .. })),
        "no REFRESH_TOKEN_AUTH for a hosted-UI session"
    );
    let (id, Effect::OAuthToken { request }) =
        h.take_effect(|e| matches!(e, Effect::OAuthToken { .. }))
    else {
        unreachable!()
    };
    assert_eq!(request.url, "https://auth.example.com/oauth2/token");
    let form = request.form.expose();
    assert_eq!(form["grant_type"], "refresh_token");
    assert_eq!(form["client_id"], "webclient9");
    assert_eq!(form["refresh_token"], "refresh-web-1");
    assert!(!form.contains_key("code"));
    // Cognito's token endpoint does not rotate the refresh token: the old one is kept.
    let r = auth_result("web", h.now_s(), 3600, 2);
    let refreshed = r.access_token.clone();
    h.complete(
        id,
        EffectResult::OAuth(Ok(OAuthTokenResponse {
            access_token: r.access_token,
            id_token: r.id_token,
            refresh_token: None,
            expires_in: 3600,
        })),
    );
    assert_eq!(h.m.state().label(), "signed in");
    let session = h.persisted.clone().unwrap();
    assert!(session.hosted_ui);
    let tokens = session.tokens.unwrap();
    assert_eq!(tokens.access_token, refreshed);
    assert_eq!(
        tokens.refresh_token.as_ref().map(|t| t.expose().as_str()),
        Some("refresh-web-1")
    );

    // A revoked refresh token (invalid_grant) is the definitive rejection.
    h.advance_ms(3_400_000);
    h.fire(TimerKind::TokensDue);
    let (id, _) = h.take_effect(|e| matches!(e, Effect::OAuthToken { .. }));
    h.complete(
        id,
        EffectResult::OAuth(Err(ServiceError::service(
            "invalid_grant",
            "Refresh Token has been revoked",
        ))),
    );
    assert_eq!(h.m.user_state(), UserState::SignedOutUserPoolsTokenInvalid);
    insta::assert_yaml_snapshot!(h.trace);
}

/// A custom OAuth provider as in the AWSMobileClient guide's Auth0 example: its own authorize,
/// token and logout endpoints, extra query parameters, and no SignOutRedirectURI.
fn auth0() -> OAuthConfig {
    let pairs = |p: &[(&str, &str)]| {
        p.iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    };
    OAuthConfig {
        web_domain: "tenant.auth0.com".into(),
        app_client_id: "auth0client".into(),
        sign_in_redirect_uri: "http://127.0.0.1:8123/callback".into(),
        sign_out_redirect_uri: None,
        token_uri: Some("https://tenant.auth0.com/oauth/token".into()),
        sign_in_uri: Some("https://tenant.auth0.com/authorize".into()),
        sign_out_uri: Some("https://tenant.auth0.com/v2/logout".into()),
        sign_in_uri_query_parameters: pairs(&[("audience", "https://api.example.com")]),
        sign_out_uri_query_parameters: pairs(&[
            ("client_id", "auth0client"),
            ("returnTo", "http://127.0.0.1:8123/bye"),
        ]),
        ..oauth()
    }
}

#[test]
fn a_custom_provider_is_reached_at_its_own_authorize_token_and_logout_urls() {
    let mut h = Harness::new(web_config(auth0()), None);
    let op = h.call(ApiCall::SignInWithWebUi {
        identity_provider: None,
        scopes: vec![],
        federation_provider_name: None,
    });
    let Some(Ok(Answer::OpenUrl { url })) = h.reply(op).cloned() else {
        panic!("no authorization URL: {:?}", h.reply(op))
    };
    let (endpoint, query) = url.split_once('?').unwrap();
    assert_eq!(endpoint, "https://tenant.auth0.com/authorize");
    let params: Vec<&str> = query.split('&').collect();
    for expected in [
        "response_type=code",
        "client_id=auth0client",
        "redirect_uri=http%3A%2F%2F127.0.0.1%3A8123%2Fcallback",
        "scope=openid%20email",
        "code_challenge_method=S256",
        "audience=https%3A%2F%2Fapi.example.com",
    ] {
        assert!(params.contains(&expected), "{expected} missing from {url}");
    }
    let state = url
        .split("state=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap();

    let done = redirect(
        &mut h,
        &format!("http://127.0.0.1:8123/callback?code=abc&state={state}"),
    );
    let (id, Effect::OAuthToken { request }) =
        h.take_effect(|e| matches!(e, Effect::OAuthToken { .. }))
    else {
        unreachable!()
    };
    assert_eq!(request.url, "https://tenant.auth0.com/oauth/token");
    assert_eq!(request.form.expose()["client_id"], "auth0client");
    assert_eq!(request.form.expose()["code"], "abc");
    let tokens = web_tokens(&h, 1);
    h.complete(id, tokens);
    h.assert_signed_in_answer(done);

    h.call(ApiCall::SignOut(SignOutOptions {
        global: false,
        revoke: false,
        hosted_ui: true,
    }));
    // The last URL opened: the sign-in opened the authorization URL before it.
    let logout = h
        .effects
        .iter()
        .rev()
        .find_map(|(_, e)| match e {
            Effect::OpenUrl { url } => Some(url.clone()),
            _ => None,
        })
        .unwrap();
    assert_eq!(
        logout,
        "https://tenant.auth0.com/v2/logout?client_id=auth0client&returnTo=http%3A%2F%2F127.0.0.1%3A8123%2Fbye"
    );
}

/// The id token in the `Logins` of an identity request, and the keys it is under.
fn logins_of(request: &cognito::IdentityRequest) -> Vec<(String, String)> {
    let logins = match request {
        cognito::IdentityRequest::GetId { logins, .. }
        | cognito::IdentityRequest::GetCredentialsForIdentity { logins, .. } => logins,
        other => panic!("not a credentials request: {other:?}"),
    };
    logins
        .expose()
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// AWSMobileClient's `HostedUIOptions(federationProviderName:)`: after a hosted-UI sign-in
/// through a custom provider (Auth0), the id token is federated into the identity pool under
/// that name, not under the user pool's key; the provider's token endpoint refreshes it, and
/// the key survives a restart.
#[test]
fn a_custom_provider_sign_in_federates_its_id_token_under_the_federation_provider_name() {
    const KEY: &str = "tenant.auth0.com";
    let config = Config {
        identity_pool: Some(identity_pool(false)),
        ..web_config(auth0())
    };
    let mut h = Harness::new(config.clone(), None);
    let op = h.call(ApiCall::SignInWithWebUi {
        identity_provider: None,
        scopes: vec![],
        federation_provider_name: Some(KEY.into()),
    });
    let Some(Ok(Answer::OpenUrl { url })) = h.reply(op).cloned() else {
        panic!("no authorization URL: {:?}", h.reply(op))
    };
    let state = url
        .split("state=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap();
    let done = redirect(
        &mut h,
        &format!("http://127.0.0.1:8123/callback?code=abc&state={state}"),
    );
    let (id, _) = h.take_effect(|e| matches!(e, Effect::OAuthToken { .. }));
    let tokens = web_tokens(&h, 1);
    h.complete(id, tokens);
    h.assert_signed_in_answer(done);
    assert_eq!(h.m.user_state(), UserState::SignedIn);
    let stored = h.persisted.clone().unwrap();
    assert_eq!(stored.federation_provider_name.as_deref(), Some(KEY));
    let id_token = stored.tokens.unwrap().id_token.unwrap().expose().clone();

    // Credentials: GetId and GetCredentialsForIdentity with the provider's key only.
    let creds = h.call(ApiCall::FetchCredentials {
        force_refresh: false,
    });
    let (id, request) = h.take_identity("GetId");
    assert_eq!(
        logins_of(&request),
        vec![(KEY.to_owned(), id_token.clone())]
    );
    h.complete(
        id,
        EffectResult::Identity(Ok(cognito::IdentityResponse::IdentityId {
            identity_id: "us-east-1:auth0-user".into(),
        })),
    );
    let (id, request) = h.take_identity("GetCredentialsForIdentity");
    assert_eq!(logins_of(&request), vec![(KEY.to_owned(), id_token)]);
    let expiry = h.now_s() + 3600;
    h.complete(id, credentials("us-east-1:auth0-user", expiry));
    assert!(matches!(
        h.reply(creds),
        Some(Ok(Answer::Credentials { .. }))
    ));

    // The provider's token endpoint refreshes; the next credentials carry the new id token
    // under the same key.
    h.advance_ms(3_400_000);
    h.fire(TimerKind::TokensDue);
    let (id, Effect::OAuthToken { request }) =
        h.take_effect(|e| matches!(e, Effect::OAuthToken { .. }))
    else {
        unreachable!()
    };
    assert_eq!(request.url, "https://tenant.auth0.com/oauth/token");
    let tokens = web_tokens(&h, 2);
    h.complete(id, tokens);
    let stored = h.persisted.clone().unwrap();
    assert_eq!(stored.federation_provider_name.as_deref(), Some(KEY));
    let new_id_token = stored.tokens.unwrap().id_token.unwrap().expose().clone();
    h.call(ApiCall::FetchCredentials {
        force_refresh: true,
    });
    let (_, request) = h.take_identity("GetCredentialsForIdentity");
    assert_eq!(
        logins_of(&request),
        vec![(KEY.to_owned(), new_id_token.clone())]
    );
    insta::assert_yaml_snapshot!(h.trace);

    // A restart keeps the key.
    let mut h = Harness::new(config, h.persisted.clone());
    assert_eq!(h.m.user_state(), UserState::SignedIn);
    h.call(ApiCall::FetchCredentials {
        force_refresh: true,
    });
    let (_, request) = h.take_identity("GetCredentialsForIdentity");
    assert_eq!(logins_of(&request), vec![(KEY.to_owned(), new_id_token)]);
}

/// Without `federation_provider_name` the same sign-in federates under the user pool's key.
#[test]
fn a_hosted_ui_sign_in_without_a_federation_provider_name_uses_the_user_pools_key() {
    let config = Config {
        identity_pool: Some(identity_pool(false)),
        ..web_config(web_oauth())
    };
    let mut h = Harness::new(config, None);
    let state = start(&mut h);
    let done = redirect(
        &mut h,
        &format!("http://127.0.0.1:8123/callback?code=abc&state={state}"),
    );
    let (id, _) = h.take_effect(|e| matches!(e, Effect::OAuthToken { .. }));
    let tokens = web_tokens(&h, 1);
    h.complete(id, tokens);
    h.assert_signed_in_answer(done);
    assert_eq!(h.persisted.as_ref().unwrap().federation_provider_name, None);
    h.call(ApiCall::FetchCredentials {
        force_refresh: false,
    });
    let (_, request) = h.take_identity("GetId");
    let keys: Vec<String> = logins_of(&request).into_iter().map(|(k, _)| k).collect();
    assert_eq!(
        keys,
        vec!["cognito-idp.us-east-1.amazonaws.com/us-east-1_TestPool".to_owned()]
    );
}

/// A token endpoint on a rotating app client answers a refresh with a new refresh token (the
/// developer guide's "Refresh tokens": the `refresh_token` grant issues one with rotation on).
/// The machine requests the save of the rotated token before it answers the caller waiting for
/// the tokens, and sends the rotated token on the next refresh; a rotated-out token past its
/// grace period (`invalid_grant`) ends the session.
#[test]
fn a_token_endpoint_refresh_takes_the_rotated_refresh_token_and_persists_it_before_answering() {
    let mut h = Harness::new(web_config(web_oauth()), None);
    let state = start(&mut h);
    let done = redirect(
        &mut h,
        &format!("http://127.0.0.1:8123/callback?code=abc&state={state}"),
    );
    let (id, _) = h.take_effect(|e| matches!(e, Effect::OAuthToken { .. }));
    let tokens = web_tokens(&h, 1);
    h.complete(id, tokens);
    h.assert_signed_in_answer(done);

    h.advance_ms(3_700_000);
    let op = h.call(ApiCall::FetchTokens {
        force_refresh: false,
    });
    let (id, Effect::OAuthToken { request }) =
        h.take_effect(|e| matches!(e, Effect::OAuthToken { .. }))
    else {
        unreachable!()
    };
    assert_eq!(request.form.expose()["refresh_token"], "refresh-web-1");
    let rotated = web_tokens(&h, 2);
    let outputs = h.complete(id, rotated);
    let persist = outputs.iter().position(|o| {
        matches!(o, Output::Effect { effect: Effect::Persist { session }, .. }
            if session.hosted_ui
                && session.tokens.as_ref().and_then(|t| t.refresh_token.as_ref())
                    .is_some_and(|r| r.expose() == "refresh-web-2"))
    });
    let reply = outputs
        .iter()
        .position(|o| matches!(o, Output::Reply { op: o, .. } if *o == op));
    assert!(
        matches!((persist, reply), (Some(p), Some(r)) if p < r),
        "the rotated token's save is requested before the caller is answered: {outputs:?}"
    );
    let Some(Ok(Answer::Tokens(t))) = h.reply(op) else {
        panic!("tokens expected: {:?}", h.reply(op))
    };
    assert_eq!(t.refresh_token.as_ref().unwrap().expose(), "refresh-web-2");

    // The next refresh sends the rotated token; once it is refused for good, the user must
    // sign in again.
    h.advance_ms(3_700_000);
    h.fire(TimerKind::TokensDue);
    let (id, Effect::OAuthToken { request }) =
        h.take_effect(|e| matches!(e, Effect::OAuthToken { .. }))
    else {
        unreachable!()
    };
    assert_eq!(request.form.expose()["refresh_token"], "refresh-web-2");
    h.complete(
        id,
        EffectResult::OAuth(Err(ServiceError::service(
            "invalid_grant",
            "Refresh token has been rotated and can no longer be used",
        ))),
    );
    assert_eq!(h.m.user_state(), UserState::SignedOutUserPoolsTokenInvalid);
    insta::assert_yaml_snapshot!(h.trace);
}

/// The token endpoint refusing the code (RFC 6749 §5.2 `invalid_grant`: used, expired or for
/// another client) ends the sign-in with that error, typed, not as an unreadable answer (a
/// cargo-mutants shard 3 miss); the user is where they were.
#[test]
fn a_refused_code_exchange_ends_the_sign_in_with_the_token_endpoints_error() {
    let mut h = Harness::new(web_config(web_oauth()), None);
    let state = start(&mut h);
    let op = redirect(
        &mut h,
        &format!("http://127.0.0.1:8123/callback?code=used-code&state={state}"),
    );
    let (id, _) = h.take_effect(|e| matches!(e, Effect::OAuthToken { .. }));
    h.complete(
        id,
        EffectResult::OAuth(Err(ServiceError::service(
            "invalid_grant",
            "Authorization code has been used",
        ))),
    );
    assert!(
        matches!(
            h.reply(op),
            Some(Err(AuthError::Service { code, .. })) if code == "invalid_grant"
        ),
        "{:?}",
        h.reply(op)
    );
    assert_eq!(h.m.state().label(), "signed out");
    assert_eq!(h.m.user_state(), UserState::Guest);
    assert!(h.persisted.as_ref().is_none_or(|s| s.tokens.is_none()));
}

//! Bringing the machine to a case's starting state by its own means.
//!
//! - `AuthorizationState` holding a user-pool credential (`userPool`, `userAndIdentityPool`) while
//!   `AuthenticationState` is `SignedIn`: the tokens (and identity id and AWS credentials, when
//!   present) become the [`PersistedSession`] the machine loads at start.
//! - An `identityPool` credential (a guest): only the identity id and credentials are loaded.
//! - `SignedOut`: nothing is stored. Sign-up progress (`SignUpState`) has no counterpart: our
//!   sign-up calls keep no state.
//! - `SigningIn` waiting for a challenge answer: a sign-in with the state's method is started
//!   (password `password` where the flow needs one) and its first `InitiateAuth` is answered with
//!   the state's challenge, name, parameters, session and available challenges.

use std::collections::BTreeMap;

use cognito_auth_machine::cognito::{
    AuthResponse, AwsCredentials, IdentityRequest, IdentityResponse, UserPoolRequest,
    UserPoolResponse,
};
use cognito_auth_machine::session::IdentityState;
use cognito_auth_machine::{
    ApiCall, AuthFlow, Config, PersistedSession, Secret, ServiceError, State, Tokens,
};
use serde_json::Value;

use super::driver::{Backend, Driver};
use super::fixture::{str_at, string_list, string_map};

/// A machine in the state `state` describes.
pub(crate) fn start(config: Config, state: &Value) -> Result<Driver, String> {
    let authn = &state["AuthenticationState"];
    match authn["type"].as_str() {
        Some("AuthenticationState.SigningIn") => signing_in(config, authn),
        Some(_) => {
            let stored = stored_session(state)?;
            let d = Driver::new(config, stored);
            if let Some(f) = d.faults.first() {
                return Err(format!("set-up: {f}"));
            }
            Ok(d)
        }
        None => Err("the state has no AuthenticationState.type".into()),
    }
}

/// The session a state stores, if any.
pub(crate) fn stored_session(state: &Value) -> Result<Option<PersistedSession>, String> {
    let signed_in =
        state["AuthenticationState"]["type"].as_str() == Some("AuthenticationState.SignedIn");
    let cred = &state["AuthorizationState"]["amplifyCredential"];
    let kind = cred["type"].as_str().unwrap_or("");
    let identity = IdentityState {
        identity_id: cred["identityId"].as_str().map(str::to_owned),
        credentials: match cred["credentials"].as_object() {
            None => None,
            Some(_) => Some(credentials(&cred["credentials"])?),
        },
        credentials_clock: None,
    };
    match kind {
        "userPool" | "userAndIdentityPool" if signed_in => {
            let t = &cred["signedInData"]["cognitoUserPoolTokens"];
            let tokens = Tokens::from_jwts(
                Secret::new(str_at(t, &["accessToken", "tokenValue"])?.to_owned()),
                Some(Secret::new(
                    str_at(t, &["idToken", "tokenValue"])?.to_owned(),
                )),
                t["refreshToken"]
                    .as_str()
                    .map(|s| Secret::new(s.to_owned())),
            )
            .map_err(|e| format!("state tokens: {e}"))?;
            Ok(Some(PersistedSession {
                version: PersistedSession::VERSION,
                tokens: Some(tokens),
                identity,
                ..PersistedSession::default()
            }))
        }
        "identityPool" => Ok(Some(PersistedSession {
            version: PersistedSession::VERSION,
            identity,
            ..PersistedSession::default()
        })),
        _ => Ok(None),
    }
}

fn credentials(c: &Value) -> Result<AwsCredentials, String> {
    Ok(AwsCredentials {
        access_key_id: str_at(c, &["accessKeyId"])?.to_owned(),
        secret_access_key: Secret::new(str_at(c, &["secretAccessKey"])?.to_owned()),
        session_token: Secret::new(str_at(c, &["sessionToken"])?.to_owned()),
        expiration_s: c["expiration"]
            .as_i64()
            .ok_or("credentials without expiration")?,
    })
}

/// Amplify's `authType` onto our flows.
pub(crate) fn auth_flow(name: &str) -> Option<AuthFlow> {
    Some(match name {
        "USER_SRP_AUTH" => AuthFlow::UserSrpAuth,
        "USER_PASSWORD_AUTH" => AuthFlow::UserPasswordAuth,
        "CUSTOM_AUTH" | "CUSTOM_AUTH_WITHOUT_SRP" => AuthFlow::CustomAuthWithoutSrp,
        "CUSTOM_AUTH_WITH_SRP" => AuthFlow::CustomAuthWithSrp,
        "USER_AUTH" => AuthFlow::UserAuth,
        _ => return None,
    })
}

/// Answers the set-up sign-in's InitiateAuth with the state's challenge.
struct ChallengeScript {
    response: AuthResponse,
    answered: bool,
}

impl Backend for ChallengeScript {
    fn user_pool(
        &mut self,
        req: &UserPoolRequest,
    ) -> Option<Result<UserPoolResponse, ServiceError>> {
        match req {
            UserPoolRequest::InitiateAuth { .. } if !self.answered => {
                self.answered = true;
                Some(Ok(UserPoolResponse::Auth(self.response.clone())))
            }
            _ => None,
        }
    }
    fn identity(&mut self, _: &IdentityRequest) -> Option<Result<IdentityResponse, ServiceError>> {
        None
    }
}

fn signing_in(config: Config, authn: &Value) -> Result<Driver, String> {
    let challenge_state = &authn["SignInState"]["SignInChallengeState"];
    if challenge_state["type"].as_str() != Some("SignInChallengeState.WaitingForAnswer") {
        return Err(format!(
            "starting state {} is not mapped",
            challenge_state["type"]
        ));
    }
    let challenge = &challenge_state["authChallenge"];
    let method = str_at(challenge_state, &["signInMethod", "authType"])?;
    let flow = auth_flow(method).ok_or_else(|| format!("sign-in method {method} not mapped"))?;
    let username = str_at(challenge, &["username"])?.to_owned();
    let password = matches!(flow, AuthFlow::UserSrpAuth | AuthFlow::UserPasswordAuth)
        .then(|| Secret::new("password".to_owned()));
    let mut d = Driver::new(config, None);
    let op = d.call(ApiCall::SignIn {
        username,
        password,
        flow: Some(flow),
        preferred_challenge: None,
        client_metadata: BTreeMap::new(),
    });
    let mut script = ChallengeScript {
        response: AuthResponse {
            challenge_name: Some(str_at(challenge, &["challengeName"])?.to_owned()),
            challenge_parameters: string_map(&challenge["parameters"]),
            session: challenge["session"]
                .as_str()
                .map(|s| Secret::new(s.to_owned())),
            authentication_result: None,
            available_challenges: string_list(&challenge["availableChallenges"]),
        },
        answered: false,
    };
    d.run(&mut script);
    if !matches!(d.m.state(), State::AwaitingChallengeAnswer { .. }) {
        return Err(format!(
            "set-up sign-in ended in `{}` (reply {:?}), not awaiting the challenge answer",
            d.m.state().label(),
            d.reply(op)
        ));
    }
    if let Some(f) = d.faults.first() {
        return Err(format!("set-up: {f}"));
    }
    d.reset_records();
    Ok(d)
}

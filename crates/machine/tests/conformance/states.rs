//! The `state` validation: Amplify's expected state file onto our state.
//!
//! Only `AuthenticationState` is compared: who is signed in, or which challenge a sign-in waits
//! for. `AuthorizationState` (identity id and AWS credentials) is not: Amplify fetches
//! credentials eagerly after every sign-in, the machine fetches them when first asked.
//!
//! | Amplify `AuthenticationState` | ours |
//! |---|---|
//! | `SignedOut` | `State::SignedOut` (user state `SignedOut`, or `Guest` when the identity pool allows guests) |
//! | `SignedIn` (`signedInData.username`) | `Fresh`/`Refreshing`/`Stale` with tokens for that user name |
//! | `SigningIn` / `WaitingForAnswer` (`authChallenge`) | `AwaitingChallengeAnswer` with the same challenge, user name, session, parameters |

use cognito_auth_machine::secret::expose_secrets_while;
use cognito_auth_machine::{State, UserState};
use serde_json::Value;

use super::driver::Driver;
use super::fixture::{string_list, string_map};

/// Our `Challenge` variant for a Cognito challenge name.
fn challenge_variant(name: &str) -> Option<&'static str> {
    Some(match name {
        "SMS_MFA" => "SmsMfa",
        "SMS_OTP" => "SmsOtp",
        "EMAIL_OTP" => "EmailOtp",
        "SOFTWARE_TOKEN_MFA" => "Totp",
        "SELECT_MFA_TYPE" => "SelectMfa",
        "NEW_PASSWORD_REQUIRED" => "NewPassword",
        "CUSTOM_CHALLENGE" => "Custom",
        "SELECT_CHALLENGE" => "SelectFirstFactor",
        _ => return None,
    })
}

/// The first value under `key`, searched depth first (our state's serde shape nests the flow
/// and the session under the state's variant name).
fn find<'a>(v: &'a Value, key: &str) -> Option<&'a Value> {
    match v {
        Value::Object(o) => o
            .get(key)
            .or_else(|| o.values().find_map(|child| find(child, key))),
        Value::Array(a) => a.iter().find_map(|child| find(child, key)),
        _ => None,
    }
}

pub(crate) fn check(expected: &Value, d: &Driver) -> Result<(), String> {
    let authn = &expected["AuthenticationState"];
    // The Cognito session is a secret, and the fixtures compare it.
    let ours = expose_secrets_while(|| serde_json::to_value(d.m.state()))
        .map_err(|e| format!("our state: {e}"))?;
    let state = d.m.state();
    let label = state.label();
    match authn["type"].as_str().unwrap_or("") {
        "AuthenticationState.SignedOut" => {
            if matches!(state, State::SignedOut {})
                && matches!(d.m.user_state(), UserState::SignedOut | UserState::Guest)
            {
                Ok(())
            } else {
                Err(format!("expected signed out, machine is {label}"))
            }
        }
        "AuthenticationState.SignedIn" => {
            if !matches!(
                state,
                State::Fresh { .. } | State::Refreshing { .. } | State::Stale { .. }
            ) {
                return Err(format!("expected signed in, machine is {label}"));
            }
            let user = authn["signedInData"]["username"].as_str();
            let got = find(&ours, "tokens").and_then(|t| t["username"].as_str());
            if user == got {
                Ok(())
            } else {
                Err(format!("signed-in user: expected {user:?}, got {got:?}"))
            }
        }
        "AuthenticationState.SigningIn" => signing_in(authn, &ours, label),
        other => Err(format!("expected state {other} is not mapped")),
    }
}

fn signing_in(authn: &Value, ours: &Value, label: &str) -> Result<(), String> {
    let challenge_state = &authn["SignInState"]["SignInChallengeState"];
    let waiting = ours.get("AwaitingChallengeAnswer");
    let (Some(attempt), Some(step)) = (
        waiting.and_then(|s| s.get("attempt")),
        waiting.and_then(|s| s.get("step")),
    ) else {
        return Err(format!(
            "expected a challenge awaiting its answer, machine is {label}"
        ));
    };
    let exp = &challenge_state["authChallenge"];
    let name = exp["challengeName"].as_str().unwrap_or("");
    let mut errors = Vec::new();
    let challenge = &step["challenge"];
    // Unit variants serialise as a string, the others as `{variant: data}`.
    let (variant, data) = match challenge {
        Value::String(s) => (Some(s.as_str()), &Value::Null),
        Value::Object(o) => o
            .iter()
            .next()
            .map_or((None, &Value::Null), |(k, v)| (Some(k.as_str()), v)),
        _ => (None, &Value::Null),
    };
    if variant != challenge_variant(name) {
        errors.push(format!("challenge: expected {name}, got {challenge}"));
    }
    match name {
        "CUSTOM_CHALLENGE" if string_map(data) != string_map(&exp["parameters"]) => {
            errors.push("challenge parameters differ".into());
        }
        "SELECT_CHALLENGE" if string_list(data) != string_list(&exp["availableChallenges"]) => {
            errors.push("available challenges differ".into());
        }
        _ => {}
    }
    // Amplify keeps the name the user typed next to Cognito's canonical one (the challenge's
    // USERNAME); the machine keeps only the canonical one, which later answers must carry.
    let user = exp["parameters"]["USERNAME"]
        .as_str()
        .or_else(|| exp["username"].as_str());
    if attempt["username"].as_str() != user {
        errors.push(format!(
            "user name: expected {user:?}, got {}",
            attempt["username"]
        ));
    }
    if step["session"].as_str() != exp["session"].as_str() {
        errors.push("Cognito session differs".into());
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors.join("; "))
    }
}

//! The three kinds of validation, mapped from Amplify's vocabulary onto ours: the result the app
//! sees (`amplify`), a request the machine sent (`cognitoIdentityProvider` / `cognitoIdentity`),
//! and the state the machine ends in (`state`). Each returns `Err(what differs)`.

use std::collections::BTreeMap;

use cognito_auth_machine::account::{
    AccountResponse, ForgotPasswordOutput, GetUserOutput, ListDevicesOutput, SignUpOutput,
};
use cognito_auth_machine::cognito::{CodeDelivery, UserPoolRequest};
use cognito_auth_machine::{Answer, AuthError, Config, SignInStep, SignOutReport, UserState};
use serde_json::{json, Value};

use super::calls::Outcome;
use super::driver::Driver;
use super::fixture::{plain_string, string_list, string_map};
use super::mocks::user_pool_api_names;

type Reply = Option<Result<Answer, AuthError>>;

fn mismatch(errors: Vec<String>) -> Result<(), String> {
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors.join("; "))
    }
}

fn expect_eq<T: PartialEq + std::fmt::Debug>(
    errors: &mut Vec<String>,
    what: &str,
    expected: T,
    got: T,
) {
    if expected != got {
        errors.push(format!("{what}: expected {expected:?}, got {got:?}"));
    }
}

// ------------------------------------------------------------------ errors

/// Whether our error is the one Amplify's `{errorType, cause}` describes.
pub(crate) fn error_matches(exp: &Value, got: &AuthError) -> Result<(), String> {
    let ty = exp["errorType"].as_str().unwrap_or("");
    let cause = &exp["cause"];
    let kind_ok = match ty {
        "SignedOutException" => matches!(got, AuthError::NotSignedIn | AuthError::SignedOut),
        "NotAuthorizedException" => matches!(got, AuthError::NotAuthorized { .. }),
        "CodeMismatchException" => matches!(got, AuthError::CodeMismatch),
        "CodeExpiredException" | "ExpiredCodeException" => matches!(got, AuthError::CodeExpired),
        "UsernameExistsException" => matches!(got, AuthError::UsernameExists),
        "InvalidParameterException" => matches!(got, AuthError::InvalidParameter { .. }),
        "UserNotFoundException" => matches!(got, AuthError::UserNotFound),
        "UserNotConfirmedException" => matches!(got, AuthError::UserNotConfirmed),
        "InvalidStateException" => matches!(got, AuthError::InvalidState { .. }),
        "ConfigurationException" => matches!(got, AuthError::NotConfigured { .. }),
        "SessionExpiredException" => matches!(got, AuthError::SessionExpired),
        "InvalidPasswordException" => matches!(got, AuthError::InvalidPassword { .. }),
        "PasswordResetRequiredException" => matches!(got, AuthError::PasswordResetRequired),
        "LimitExceededException" | "TooManyFailedAttemptsException" => {
            matches!(got, AuthError::LimitExceeded { .. })
        }
        // Amplify wraps errors it has no type for; the service's code is in the cause.
        "UnknownException" if cause.is_object() => return error_matches(cause, got),
        other => service_code_matches(other, got),
    };
    if !kind_ok {
        return Err(format!("expected {ty}, got {got:?}"));
    }
    // The service's own message travels in the cause; the Kotlin SDK writes a placeholder
    // ("Error type: Client, Protocol response: ...") where the mock had none.
    let expected_message = cause["errorMessage"]
        .as_str()
        .filter(|m| !m.starts_with("Error type:"));
    if let (Some(expected), Some(ours)) = (expected_message, message_of(got)) {
        if expected != ours {
            return Err(format!("{ty}: message {ours:?}, expected {expected:?}"));
        }
    }
    Ok(())
}

fn short(code: &str) -> &str {
    code.strip_suffix("Exception").unwrap_or(code)
}

fn service_code_matches(ty: &str, got: &AuthError) -> bool {
    match got {
        AuthError::Service { code, .. } | AuthError::Network { code, .. } => {
            short(code) == short(ty)
        }
        _ => false,
    }
}

fn message_of(e: &AuthError) -> Option<&str> {
    match e {
        AuthError::NotAuthorized { message }
        | AuthError::InvalidPassword { message }
        | AuthError::LimitExceeded { message }
        | AuthError::Service { message, .. }
        | AuthError::Network { message, .. } => Some(message),
        _ => None,
    }
}

// ------------------------------------------------------------- amplify

/// An `amplify` validation: the result of the case's API call.
pub(crate) fn amplify(v: &Value, outcome: &Outcome, user_state: UserState) -> Result<(), String> {
    let resp = &v["response"];
    match outcome {
        Outcome::Session {
            tokens,
            identity_id,
            credentials,
        } => session(resp, tokens, identity_id, credentials, user_state),
        Outcome::Single(None) => Err("the call was never answered".into()),
        Outcome::Single(Some(reply)) => {
            if v["responseType"].as_str() == Some("failure") {
                return match reply {
                    Err(e) => error_matches(resp, e),
                    Ok(a) => Err(format!("expected {}, got {a:?}", resp["errorType"])),
                };
            }
            let answer = match reply {
                Ok(a) => a,
                Err(e) => return Err(format!("expected success, got {e:?}")),
            };
            success(resp, answer, user_state)
        }
    }
}

fn success(resp: &Value, answer: &Answer, user_state: UserState) -> Result<(), String> {
    if resp.get("isSignedIn").is_some() && resp.get("nextStep").is_some() {
        return sign_in(resp, answer);
    }
    if resp.get("isSignUpComplete").is_some() {
        return sign_up(resp, answer);
    }
    if resp.get("isPasswordReset").is_some() {
        return reset_password(resp, answer);
    }
    if let Some(items) = resp.as_array() {
        return list(items, answer);
    }
    match answer {
        Answer::SignedOut(report) => sign_out(resp, report, user_state),
        Answer::Done if resp.as_object().is_some_and(|o| o.is_empty()) => Ok(()),
        other => Err(format!("expected {resp}, got {other:?}")),
    }
}

fn delivery(errors: &mut Vec<String>, exp: &Value, ours: Option<&CodeDelivery>) {
    if !exp.is_object() {
        return;
    }
    let Some(ours) = ours else {
        errors.push("codeDeliveryDetails: expected some, got none".into());
        return;
    };
    let medium = ours.delivery_medium.clone().unwrap_or_default();
    // Amplify names an empty or absent medium UNKNOWN.
    let medium = if medium.is_empty() {
        "UNKNOWN".into()
    } else {
        medium
    };
    expect_eq(
        errors,
        "deliveryMedium",
        exp["deliveryMedium"].as_str(),
        Some(medium.as_str()),
    );
    expect_eq(
        errors,
        "destination",
        exp["destination"].as_str().unwrap_or_default(),
        ours.destination.as_deref().unwrap_or_default(),
    );
    if let Some(attr) = exp["attributeName"].as_str() {
        expect_eq(
            errors,
            "attributeName",
            attr,
            ours.attribute_name.as_deref().unwrap_or_default(),
        );
    }
}

fn sign_in(resp: &Value, answer: &Answer) -> Result<(), String> {
    let Answer::SignIn { next_step } = answer else {
        return Err(format!("expected a sign-in step, got {answer:?}"));
    };
    let next = &resp["nextStep"];
    let step = next["signInStep"].as_str().unwrap_or("");
    let mut errors = Vec::new();
    expect_eq(
        &mut errors,
        "isSignedIn",
        resp["isSignedIn"].as_bool(),
        Some(matches!(next_step, SignInStep::Done)),
    );
    let medium = next["codeDeliveryDetails"]["deliveryMedium"].as_str();
    let ok = match (step, next_step) {
        ("DONE", SignInStep::Done)
        | ("CONFIRM_SIGN_IN_WITH_TOTP_CODE", SignInStep::ConfirmWithTotpCode)
        | ("CONTINUE_SIGN_IN_WITH_MFA_SELECTION", SignInStep::SelectMfaType { .. })
        | ("CONTINUE_SIGN_IN_WITH_MFA_SETUP_SELECTION", SignInStep::SelectMfaSetupType { .. })
        | ("CONTINUE_SIGN_IN_WITH_TOTP_SETUP", SignInStep::SetUpTotp { .. })
        | ("CONTINUE_SIGN_IN_WITH_EMAIL_MFA_SETUP", SignInStep::SetUpEmail)
        | ("CONFIRM_SIGN_IN_WITH_NEW_PASSWORD", SignInStep::NewPasswordRequired { .. })
        | ("CONFIRM_SIGN_IN_WITH_PASSWORD", SignInStep::ConfirmWithPassword) => true,
        ("CONFIRM_SIGN_IN_WITH_SMS_MFA_CODE", SignInStep::ConfirmWithSmsCode { code_delivery }) => {
            delivery(
                &mut errors,
                &next["codeDeliveryDetails"],
                code_delivery.as_ref(),
            );
            true
        }
        ("CONFIRM_SIGN_IN_WITH_OTP", SignInStep::ConfirmWithSmsCode { code_delivery })
            if medium != Some("EMAIL") =>
        {
            delivery(
                &mut errors,
                &next["codeDeliveryDetails"],
                code_delivery.as_ref(),
            );
            true
        }
        ("CONFIRM_SIGN_IN_WITH_OTP", SignInStep::ConfirmWithEmailCode { code_delivery })
            if medium != Some("SMS") =>
        {
            delivery(
                &mut errors,
                &next["codeDeliveryDetails"],
                code_delivery.as_ref(),
            );
            true
        }
        ("CONFIRM_SIGN_IN_WITH_CUSTOM_CHALLENGE", SignInStep::CustomChallenge { parameters }) => {
            expect_eq(
                &mut errors,
                "additionalInfo",
                &string_map(&next["additionalInfo"]),
                parameters,
            );
            true
        }
        (
            "CONTINUE_SIGN_IN_WITH_FIRST_FACTOR_SELECTION",
            SignInStep::SelectFirstFactor { available },
        ) => {
            expect_eq(
                &mut errors,
                "availableFactors",
                &string_list(&next["availableFactors"]),
                available,
            );
            true
        }
        _ => false,
    };
    if !ok {
        errors.push(format!("signInStep: expected {step}, got {next_step:?}"));
    }
    mismatch(errors)
}

fn sign_up(resp: &Value, answer: &Answer) -> Result<(), String> {
    let next = &resp["nextStep"];
    let step = next["signUpStep"].as_str().unwrap_or("");
    if step == "COMPLETE_AUTO_SIGN_IN" {
        return Err(format!(
            "signUpStep: expected COMPLETE_AUTO_SIGN_IN (auto sign-in), got {answer:?}"
        ));
    }
    let mut errors = Vec::new();
    match answer {
        Answer::Account(AccountResponse::SignUp(SignUpOutput {
            user_confirmed,
            user_sub,
            code_delivery_details: code_delivery,
            ..
        })) => {
            expect_eq(
                &mut errors,
                "isSignUpComplete",
                resp["isSignUpComplete"].as_bool(),
                Some(*user_confirmed),
            );
            let ours = if *user_confirmed {
                "DONE"
            } else {
                "CONFIRM_SIGN_UP_STEP"
            };
            expect_eq(&mut errors, "signUpStep", step, ours);
            expect_eq(
                &mut errors,
                "userId",
                resp["userId"].as_str().unwrap_or_default(),
                user_sub,
            );
            delivery(
                &mut errors,
                &next["codeDeliveryDetails"],
                code_delivery.as_ref(),
            );
        }
        Answer::Account(AccountResponse::ConfirmSignUp(_)) => {
            expect_eq(&mut errors, "signUpStep", step, "DONE");
            expect_eq(
                &mut errors,
                "isSignUpComplete",
                resp["isSignUpComplete"].as_bool(),
                Some(true),
            );
        }
        other => errors.push(format!("expected a sign-up result, got {other:?}")),
    }
    mismatch(errors)
}

fn reset_password(resp: &Value, answer: &Answer) -> Result<(), String> {
    let Answer::Account(AccountResponse::ForgotPassword(ForgotPasswordOutput {
        code_delivery_details: code_delivery,
    })) = answer
    else {
        return Err(format!("expected a code sent, got {answer:?}"));
    };
    let next = &resp["nextStep"];
    let mut errors = Vec::new();
    expect_eq(
        &mut errors,
        "isPasswordReset",
        resp["isPasswordReset"].as_bool(),
        Some(false),
    );
    expect_eq(
        &mut errors,
        "resetPasswordStep",
        next["resetPasswordStep"].as_str(),
        Some("CONFIRM_RESET_PASSWORD_WITH_CODE"),
    );
    delivery(
        &mut errors,
        &next["codeDeliveryDetails"],
        code_delivery.as_ref(),
    );
    mismatch(errors)
}

fn sign_out(resp: &Value, report: &SignOutReport, user_state: UserState) -> Result<(), String> {
    let mut errors = Vec::new();
    for (field, ours) in [
        ("globalSignOutError", &report.global_sign_out_error),
        ("revokeTokenError", &report.revoke_token_error),
        ("hostedUIError", &report.hosted_ui_error),
    ] {
        let exp = &resp[field];
        match (exp.is_object(), ours) {
            (false, None) => {}
            (false, Some(e)) => errors.push(format!("{field}: expected none, got {e:?}")),
            (true, None) => errors.push(format!("{field}: expected an error, got none")),
            (true, Some(e)) => {
                let cause = &exp["exception"]["cause"];
                if cause["errorType"].is_string() {
                    if let Err(m) = error_matches(cause, e) {
                        errors.push(format!("{field}: {m}"));
                    }
                }
            }
        }
    }
    if matches!(user_state, UserState::SignedIn) {
        errors.push("signedOutLocally: the user is still signed in".into());
    }
    mismatch(errors)
}

fn list(items: &[Value], answer: &Answer) -> Result<(), String> {
    match answer {
        Answer::Account(AccountResponse::GetUser(GetUserOutput {
            user_attributes: attributes,
            ..
        })) => {
            let expected: Vec<(String, String)> = items
                .iter()
                .map(|i| {
                    (
                        i["key"]["attributeKey"].as_str().unwrap_or_default().into(),
                        i["value"].as_str().unwrap_or_default().into(),
                    )
                })
                .collect();
            let ours: Vec<(String, String)> = attributes
                .iter()
                .map(|a| (a.name.clone(), a.value.clone()))
                .collect();
            let mut errors = Vec::new();
            expect_eq(&mut errors, "attributes", expected, ours);
            mismatch(errors)
        }
        Answer::Account(AccountResponse::ListDevices(ListDevicesOutput { devices, .. })) => {
            let expected: Vec<String> = items
                .iter()
                .map(|i| i["id"].as_str().unwrap_or_default().into())
                .collect();
            let ours: Vec<String> = devices.iter().map(|d| d.device_key.clone()).collect();
            let mut errors = Vec::new();
            expect_eq(&mut errors, "device ids", expected, ours);
            mismatch(errors)
        }
        other => Err(format!("expected a list, got {other:?}")),
    }
}

fn session(
    resp: &Value,
    tokens: &Reply,
    identity_id: &Reply,
    credentials: &Reply,
    user_state: UserState,
) -> Result<(), String> {
    let mut errors = Vec::new();
    expect_eq(
        &mut errors,
        "isSignedIn",
        resp["isSignedIn"].as_bool(),
        Some(user_state == UserState::SignedIn),
    );
    let part =
        |errors: &mut Vec<String>, name: &str, exp: &Value, reply: &Reply| -> Option<Answer> {
            match (exp.get("errorType").is_some(), reply) {
                (_, None) => {
                    errors.push(format!("{name}: never answered"));
                    None
                }
                (true, Some(Err(e))) => {
                    if let Err(m) = error_matches(exp, e) {
                        errors.push(format!("{name}: {m}"));
                    }
                    None
                }
                (true, Some(Ok(a))) => {
                    errors.push(format!("{name}: expected {}, got {a:?}", exp["errorType"]));
                    None
                }
                (false, Some(Err(e))) => {
                    errors.push(format!("{name}: expected a value, got {e:?}"));
                    None
                }
                (false, Some(Ok(a))) => Some(a.clone()),
            }
        };
    let exp_tokens = &resp["userPoolTokensResult"];
    if let Some(Answer::Tokens(t)) = part(&mut errors, "userPoolTokensResult", exp_tokens, tokens) {
        for (field, ours) in [
            ("accessToken", Some(t.access_token.expose())),
            ("idToken", t.id_token.as_ref().map(|s| s.expose())),
            ("refreshToken", t.refresh_token.as_ref().map(|s| s.expose())),
        ] {
            if exp_tokens[field].as_str() != ours.map(String::as_str) {
                errors.push(format!("userPoolTokensResult.{field} differs"));
            }
        }
        if let Some(sub) = resp["userSubResult"].as_str() {
            expect_eq(&mut errors, "userSubResult", sub, &t.sub);
        }
        if let Some(access) = resp["accessToken"].as_str() {
            if access != t.access_token.expose() {
                errors.push("accessToken differs".into());
            }
        }
    }
    // userSubResult as an error is the tokens' error again; checked with the tokens above.
    if let Some(Answer::IdentityId { identity_id }) = part(
        &mut errors,
        "identityIdResult",
        &resp["identityIdResult"],
        identity_id,
    ) {
        expect_eq(
            &mut errors,
            "identityIdResult",
            resp["identityIdResult"].as_str().unwrap_or_default(),
            identity_id.as_str(),
        );
    }
    let exp_creds = &resp["awsCredentialsResult"];
    if let Some(Answer::Credentials { credentials, .. }) =
        part(&mut errors, "awsCredentialsResult", exp_creds, credentials)
    {
        expect_eq(
            &mut errors,
            "accessKeyId",
            exp_creds["accessKeyId"].as_str(),
            Some(credentials.access_key_id.as_str()),
        );
        expect_eq(
            &mut errors,
            "expiration",
            exp_creds["expiration"].as_i64(),
            Some(credentials.expiration_s),
        );
        if exp_creds["secretAccessKey"].as_str()
            != Some(credentials.secret_access_key.expose().as_str())
            || exp_creds["sessionToken"].as_str()
                != Some(credentials.session_token.expose().as_str())
        {
            errors.push("awsCredentialsResult secret parts differ".into());
        }
    }
    mismatch(errors)
}

// ------------------------------------------------------------ requests

/// Request fields never compared: the app client id is the engine's business (the machine's
/// requests do not carry it).
const NOT_COMPARED: [&str; 1] = ["clientId"];

/// The fields of our request, named as Amplify's captured SDK requests name them.
fn our_fields(req: &UserPoolRequest) -> BTreeMap<String, Value> {
    let mut f: BTreeMap<&str, Value> = BTreeMap::new();
    match req {
        UserPoolRequest::InitiateAuth {
            client_metadata, ..
        }
        | UserPoolRequest::RefreshTokenAuth {
            client_metadata, ..
        } => {
            f.insert("authFlow", json!(req.auth_flow()));
            f.insert(
                "authParameters",
                json!(req.auth_parameters().as_ref().map(|p| p.expose())),
            );
            f.insert("clientMetadata", json!(client_metadata));
        }
        UserPoolRequest::RespondToAuthChallenge {
            challenge_name,
            challenge_responses,
            session,
            client_metadata,
        } => {
            f.insert("challengeName", json!(challenge_name));
            f.insert("challengeResponses", json!(challenge_responses.expose()));
            f.insert("session", json!(session.as_ref().map(|s| s.expose())));
            f.insert("clientMetadata", json!(client_metadata));
        }
        // The table's operations name their fields as Cognito does (`Limit`); Amplify's
        // captures lower-case the first letter (`limit`).
        UserPoolRequest::Account { auth, request } => {
            if let Value::Object(body) = request.wire_request(auth, "") {
                return body
                    .into_iter()
                    .map(|(k, v)| (amplify_name(&k), amplify_names(v)))
                    .collect();
            }
        }
        _ => {}
    }
    f.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
}

/// A wire name as Amplify's captured SDK requests write it: first letter lower-cased.
fn amplify_name(key: &str) -> String {
    key[..1].to_lowercase() + &key[1..]
}

/// [`amplify_name`] at every depth.
fn amplify_names(v: Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.into_iter()
                .map(|(k, v)| (amplify_name(&k), amplify_names(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(amplify_names).collect()),
        other => other,
    }
}

/// The user name a request's SECRET_HASH is computed for.
fn request_username(req: &UserPoolRequest) -> Option<String> {
    match req {
        UserPoolRequest::InitiateAuth {
            auth_parameters, ..
        } => auth_parameters.expose().get("USERNAME").cloned(),
        // A refresh's SECRET_HASH is computed for the signed-in user's name.
        UserPoolRequest::RefreshTokenAuth { .. } => None,
        UserPoolRequest::RespondToAuthChallenge {
            challenge_responses,
            ..
        } => challenge_responses.expose().get("USERNAME").cloned(),
        UserPoolRequest::Account { request, .. } => request.username().map(str::to_owned),
        _ => None,
    }
}

/// A `cognitoIdentityProvider` / `cognitoIdentity` validation: the last request of that operation.
/// Returns the fields skipped because our request has no such field (for the report).
pub(crate) fn request(v: &Value, d: &Driver, config: &Config) -> Result<Vec<String>, String> {
    let api = v["apiName"].as_str().unwrap_or("");
    if v["type"].as_str() != Some("cognitoIdentityProvider") {
        return Err(format!(
            "identity-pool request validation ({api}) is not mapped"
        ));
    }
    let Some(req) = d
        .user_pool_sent
        .iter()
        .rev()
        .find(|r| user_pool_api_names(r).iter().any(|n| n == api))
    else {
        return Err(format!("no {api} request was sent"));
    };
    let ours = our_fields(req);
    if ours.is_empty() {
        return Err(format!("request validation for {api} is not mapped"));
    }
    let expected_hash = match (config.user_pool.as_ref(), request_username(req)) {
        (Some(pool), Some(user)) => pool
            .app_client_secret
            .as_ref()
            .map(|s| cognito_auth_srp::secret_hash(&user, &pool.app_client_id, s.expose())),
        _ => None,
    };
    let mut errors = Vec::new();
    let mut skipped = Vec::new();
    for (field, exp) in v["request"].as_object().into_iter().flatten() {
        if NOT_COMPARED.contains(&field.as_str()) {
            continue;
        }
        let Some(got) = ours.get(field.as_str()) else {
            skipped.push(format!("{api}.{field}"));
            continue;
        };
        if !field_matches(exp, got, expected_hash.as_deref()) {
            errors.push(format!(
                "{api}.{field}: expected {exp}, got {}",
                redact(field, got)
            ));
        }
    }
    mismatch(errors).map(|()| skipped)
}

/// Values whose field names suggest secrets are not printed.
fn redact(field: &str, v: &Value) -> String {
    if [
        "password",
        "authParameters",
        "challengeResponses",
        "secretHash",
        "session",
    ]
    .contains(&field)
    {
        "[redacted]".into()
    } else {
        v.to_string()
    }
}

/// Amplify writes `"a hash"` where a SECRET_HASH is expected: ours must be the right HMAC.
fn hash_matches(exp: &Value, got: &Value, expected_hash: Option<&str>) -> bool {
    exp.as_str() == Some("a hash") && expected_hash.is_some() && got.as_str() == expected_hash
}

fn field_matches(exp: &Value, got: &Value, expected_hash: Option<&str>) -> bool {
    if hash_matches(exp, got, expected_hash) {
        return true;
    }
    match (exp, got) {
        (Value::Object(e), Value::Object(g)) => {
            e.len() == g.len()
                && e.iter().all(|(k, ev)| {
                    g.get(k).is_some_and(|gv| {
                        hash_matches(ev, gv, expected_hash) || plain_string(ev) == plain_string(gv)
                    })
                })
        }
        (Value::Array(e), Value::Array(g)) => {
            let mut e = e.iter().map(Value::to_string).collect::<Vec<_>>();
            let mut g = g.iter().map(Value::to_string).collect::<Vec<_>>();
            e.sort();
            g.sort();
            e == g
        }
        (Value::Null, Value::Object(g)) => g.is_empty(),
        _ => exp == got,
    }
}

/// A check beyond Amplify's validations: the fixtures configure an app client secret, and Cognito
/// refuses any sign-in, sign-up or password-reset request without the right SECRET_HASH (the
/// mocks would not notice). Every such request the machine sent must carry the HMAC of its own
/// user name. Refresh requests name no user and are not checked.
pub(crate) fn secret_hashes(d: &Driver, config: &Config) -> Result<(), String> {
    let Some(pool) = config.user_pool.as_ref() else {
        return Ok(());
    };
    let Some(secret) = pool.app_client_secret.as_ref() else {
        return Ok(());
    };
    let mut errors = Vec::new();
    for req in &d.user_pool_sent {
        let fields = our_fields(req);
        let sent = match req {
            UserPoolRequest::InitiateAuth {
                auth_parameters, ..
            } => auth_parameters.expose().get("SECRET_HASH").cloned(),
            UserPoolRequest::RefreshTokenAuth { secret_hash, .. } => {
                secret_hash.as_ref().map(|h| h.expose().clone())
            }
            UserPoolRequest::RespondToAuthChallenge {
                challenge_responses,
                ..
            } => challenge_responses.expose().get("SECRET_HASH").cloned(),
            _ => fields
                .get("secretHash")
                .and_then(|v| v.as_str())
                .map(str::to_owned),
        };
        if fields.is_empty() {
            continue;
        }
        let Some(user) = request_username(req) else {
            if matches!(req, UserPoolRequest::RespondToAuthChallenge { .. }) {
                errors.push("RespondToAuthChallenge without USERNAME".into());
            }
            continue;
        };
        let expected = cognito_auth_srp::secret_hash(&user, &pool.app_client_id, secret.expose());
        if sent.as_deref() != Some(expected.as_str()) {
            errors.push(format!(
                "{} for {user:?}: SECRET_HASH {}",
                req.operation(),
                if sent.is_some() { "wrong" } else { "missing" }
            ));
        }
    }
    mismatch(errors)
}

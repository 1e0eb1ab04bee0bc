//! The documented allow-list: cases where the machine deliberately behaves differently from
//! Amplify Android, and cases failing because of a known machine bug awaiting a fix. Each entry
//! names a `symptom` that must appear in the case's failure, so a listed case that starts
//! failing for another reason is reported as a failure. A listed case that passes fails the run
//! too (remove its entry). Mirrored in docs/CONFORMANCE.md.

/// One allowed failure.
pub(crate) struct Listed {
    /// `<api folder>/<file stem>`.
    pub(crate) case: &'static str,
    /// Text that must appear in the failure details.
    pub(crate) symptom: &'static str,
    /// Why, in one line.
    pub(crate) reason: &'static str,
    /// The same intent expressed with our API, where it differs from a literal mapping; run
    /// against the same mocks and validations, it must pass. Empty when there is none.
    pub(crate) equivalent: &'static [Call],
}

/// One API call in Amplify's terms (`api.name`, `params`, `options` as JSON text).
pub(crate) struct Call {
    pub(crate) api: &'static str,
    pub(crate) params: &'static str,
    pub(crate) options: &'static str,
}

/// Choose PASSWORD, then give the password: our two-step form of Amplify's one answer.
const SELECT_PASSWORD: &[Call] = &[
    Call {
        api: "confirmSignIn",
        params: r#"{"challengeResponse": "PASSWORD"}"#,
        options: "{}",
    },
    Call {
        api: "confirmSignIn",
        params: r#"{"challengeResponse": "password"}"#,
        options: "{}",
    },
];

/// CUSTOM_AUTH_WITH_SRP with a password.
const CUSTOM_WITH_SRP: &[Call] = &[Call {
    api: "signIn",
    params: r#"{"username": "username", "password": "password"}"#,
    options: r#"{"signInOptions": {"authFlow": "CUSTOM_AUTH_WITH_SRP"}}"#,
}];

/// Deliberate differences.
pub(crate) const DELIBERATE: &[Listed] = &[
    Listed {
        case: "autoSignIn/Test_that_autoSignIn_invokes_proper_cognito_request_and_returns_DONE",
        symptom: "has no counterpart",
        reason: "the machine has no auto sign-in after sign-up (no `autoSignIn` call; sign-up keeps no session)",
        equivalent: &[],
    },
    Listed {
        case: "autoSignIn/Test_that_autoSignIn_without_ConfirmSignUp_fails",
        symptom: "has no counterpart",
        reason: "the machine has no auto sign-in after sign-up (no `autoSignIn` call)",
        equivalent: &[],
    },
    Listed {
        case: "confirmSignUp/Test_that_passwordless_confirmSignUp_returns_CompleteAutoSignIn",
        symptom: "COMPLETE_AUTO_SIGN_IN",
        reason: "no auto sign-in: confirm_sign_up answers Done, never COMPLETE_AUTO_SIGN_IN, and sends no sign-up session",
        equivalent: &[],
    },
    Listed {
        case: "signUp/Test_that_passwordless_confirmed_signUp_with_valid_username_returns_CompleteAutoSignIn",
        symptom: "COMPLETE_AUTO_SIGN_IN",
        reason: "no auto sign-in: a confirmed sign-up answers user_confirmed (DONE), never COMPLETE_AUTO_SIGN_IN",
        equivalent: &[],
    },
    Listed {
        case: "confirmSignIn/Test_that_selecting_the_PASSWORD_SRP_challenge_with_the_correct_password_succeeds",
        symptom: "choose one of",
        reason: "Amplify answers SELECT_CHALLENGE with the password itself; our confirm_sign_in takes the factor name (PASSWORD, PASSWORD_SRP) and refuses one Cognito did not offer",
        equivalent: &[],
    },
    Listed {
        case: "confirmSignIn/Test_that_selecting_the_PASSWORD_SRP_challenge_with_the_incorrect_password_fails",
        symptom: "choose one of",
        reason: "Amplify answers SELECT_CHALLENGE with the password itself; we refuse an answer that is not an offered factor before any request",
        equivalent: &[],
    },
    Listed {
        case: "confirmSignIn/Test_that_selecting_the_PASSWORD_challenge_with_the_correct_password_succeeds",
        symptom: "choose one of",
        reason: "Amplify answers SELECT_CHALLENGE with the password itself; our confirm_sign_in takes the factor name first (then the password)",
        equivalent: SELECT_PASSWORD,
    },
    Listed {
        case: "confirmSignIn/Test_that_selecting_the_PASSWORD_challenge_with_the_incorrect_password_fails",
        symptom: "choose one of",
        reason: "Amplify answers SELECT_CHALLENGE with the password itself; we refuse an answer that is not an offered factor before any request",
        equivalent: SELECT_PASSWORD,
    },
    Listed {
        case: "confirmSignIn/Test_that_selecting_the_SMS_OTP_challenge_returns_the_proper_state",
        symptom: "choose one of",
        reason: "the case selects SMS_OTP while the challenge offers PASSWORD, WEB_AUTHN, EMAIL_OTP; we refuse a factor Cognito did not offer",
        equivalent: &[],
    },
    Listed {
        case: "signIn/Test_that_Custom_Auth_signIn_invokes_ResourceNotFoundException_and_then_received_proper_cognito_request_and_returns_password_challenge",
        symptom: "this sign-in flow needs a password",
        reason: "CUSTOM_AUTH_WITH_SRP with an empty password: we refuse it before any request (an SRP proof of \"\" cannot succeed); Amplify sends it",
        equivalent: CUSTOM_WITH_SRP,
    },
    Listed {
        case: "signIn/Test_that_Custom_Auth_signIn_invokes_proper_cognito_request_and_returns_password_challenge",
        symptom: "this sign-in flow needs a password",
        reason: "CUSTOM_AUTH_WITH_SRP with an empty password: refused before any request",
        equivalent: CUSTOM_WITH_SRP,
    },
    Listed {
        case: "signIn/Test_that_Custom_Auth_signIn_invokes_proper_cognito_request_and_returns_password_challenge_when_alias_is_used",
        symptom: "this sign-in flow needs a password",
        reason: "CUSTOM_AUTH_WITH_SRP with an empty password: refused before any request",
        equivalent: CUSTOM_WITH_SRP,
    },
    Listed {
        case: "fetchAuthSession/AuthSession_object_is_successfully_returned_after_failed_identity_refresh",
        symptom: "userPoolTokensResult: expected \"UnknownException\", got Tokens",
        reason: "tokens, identity id and credentials are answered separately: a failed credentials fetch does not take away the freshly refreshed tokens or the known identity id (Amplify fails the whole session)",
        equivalent: &[],
    },
    Listed {
        case: "fetchAuthSession/AuthSession_object_is_successfully_returned_after_failed_refresh",
        symptom: "identityIdResult: expected \"ResourceNotFoundException\", got IdentityId",
        reason: "a failed refresh that is not a rejection keeps the session: the known identity id is answered and credentials are fetched with the still-valid id token (Amplify fails every part); that the forced `tokens` call also gets the old tokens is a probable machine bug, see Machine bugs",
        equivalent: &[],
    },
    Listed {
        case: "fetchAuthSession/AuthSession_object_is_successfully_returned_for_User_Pool",
        symptom: "identityIdResult: never answered",
        reason: "the configuration has an identity pool, so we ask it for credentials; Amplify answers ConfigurationException from the stored credential's kind (user pool only)",
        equivalent: &[],
    },
    Listed {
        case: "fetchUserAttributes/List_of_user_attributes_returned_when_fetch_user_attributes_API_succeeds",
        symptom: "phone_number",
        reason: "we hand out Cognito's attribute names unchanged (`phone`); the fixture expects Amplify's key `phone_number` for it",
        equivalent: &[],
    },
    Listed {
        case: "fetchUserAttributes/Test_that_Cognito_is_called_with_given_payload_and_returns_successful_data",
        symptom: "phone_number",
        reason: "we hand out Cognito's attribute names unchanged (`phone`), not Amplify's key `phone_number`",
        equivalent: &[],
    },
    Listed {
        case: "rememberDevice/Nothing_is_returned_when_remember_device_succeeds",
        symptom: "this device is not tracked",
        reason: "the starting state remembers no device, so remember_device has no device key to send; Amplify reads one from its (relaxed-mock) credential store",
        equivalent: &[],
    },
    Listed {
        case: "rememberDevice/Test_that_Cognito_is_called_with_given_payload_and_returns_successful_data",
        symptom: "this device is not tracked",
        reason: "the starting state remembers no device, so remember_device has no device key to send",
        equivalent: &[],
    },
    Listed {
        case: "signOut/Test_that_global_signOut_error_returns_partial_success_with_global_sign_out_error",
        symptom: "revokeTokenError: expected an error, got none",
        reason: "after GlobalSignOut fails we still revoke the refresh token (and it succeeds); Amplify skips RevokeToken and reports it as not revoked",
        equivalent: &[],
    },
];

/// Failures caused by machine bugs (reported to the machine's owner; remove once fixed).
pub(crate) const KNOWN_MACHINE_BUGS: &[Listed] = &[];

pub(crate) fn find<'a>(list: &'a [Listed], case: &str) -> Option<&'a Listed> {
    list.iter().find(|l| l.case == case)
}

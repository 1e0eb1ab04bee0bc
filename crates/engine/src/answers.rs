//! The one place per call where the machine's untyped [`Answer`] becomes the call's output.
//!
//! A call answered with another call's kind of answer is a bug in the machine; the caller gets
//! an internal error naming both kinds (never their contents). When the machine's replies become
//! typed per operation, this module goes away.

use cognito_auth_machine::account::AccountResponse;
use cognito_auth_machine::{Answer, Tokens};

use crate::outputs::{
    FederatedSignInOutput, IdentityCredentials, SignInOutput, SignOutOutput, TotpSetupOutput,
    WebUiSignInOutput,
};
use crate::Error;

/// An output built from the machine's answer to its call.
pub(crate) trait FromAnswer: Sized {
    /// `None` when the answer is of another kind.
    fn from_answer(answer: Answer) -> Option<Self>;
}

/// Converts `answer` for `call` (a call name, for the bug report).
pub(crate) fn convert<T: FromAnswer>(call: &'static str, answer: Answer) -> Result<T, Error> {
    let kind = answer_kind(&answer);
    T::from_answer(answer).ok_or_else(|| Error::mismatch(call, kind))
}

/// Names an answer's kind (never its contents).
fn answer_kind(answer: &Answer) -> &'static str {
    match answer {
        Answer::Done => "Done",
        Answer::SignIn { .. } => "SignIn",
        Answer::OpenUrl { .. } => "OpenUrl",
        Answer::SignedOut(_) => "SignedOut",
        Answer::Tokens(_) => "Tokens",
        Answer::Credentials { .. } => "Credentials",
        Answer::IdentityId { .. } => "IdentityId",
        Answer::Device(_) => "Device",
        Answer::TotpSetup { .. } => "TotpSetup",
        Answer::UserState(_) => "UserState",
        Answer::Account(response) => response.operation(),
        _ => "other",
    }
}

/// Implements [`FromAnswer`] by matching one answer pattern.
macro_rules! from_answer {
    ($($ty:ty: $pat:pat => $out:expr;)*) => {$(
        impl FromAnswer for $ty {
            fn from_answer(answer: Answer) -> Option<Self> {
                match answer {
                    $pat => Some($out),
                    _ => None,
                }
            }
        }
    )*};
}

from_answer! {
    (): Answer::Done => ();
    SignInOutput: Answer::SignIn { next_step } => SignInOutput { next_step };
    WebUiSignInOutput: Answer::OpenUrl { url } => WebUiSignInOutput { url };
    SignOutOutput: Answer::SignedOut(report) => SignOutOutput {
        global_sign_out_error: report.global_sign_out_error.map(Error::from),
        revoke_token_error: report.revoke_token_error.map(Error::from),
        hosted_ui_error: report.hosted_ui_error.map(Error::from),
    };
    TotpSetupOutput: Answer::TotpSetup { shared_secret } => TotpSetupOutput { shared_secret };
    Tokens: Answer::Tokens(tokens) => tokens;
    IdentityCredentials: Answer::Credentials { identity_id, credentials } =>
        IdentityCredentials { identity_id, credentials };
    FederatedSignInOutput: Answer::Credentials { identity_id, credentials } =>
        FederatedSignInOutput { identity_id, credentials };
    String: Answer::IdentityId { identity_id } => identity_id;
    cognito_auth_machine::cognito::Device: Answer::Device(device) => device;
    AccountResponse: Answer::Account(response) => response;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Actor, AppError};
    use cognito_auth_machine::{AuthError, SignInStep, SignOutReport};

    #[test]
    fn each_output_takes_its_own_answer() {
        let out: SignInOutput = convert(
            "sign_in",
            Answer::SignIn {
                next_step: SignInStep::Done,
            },
        )
        .unwrap();
        assert!(out.is_signed_in());
        let out: SignOutOutput = convert(
            "sign_out",
            Answer::SignedOut(SignOutReport {
                revoke_token_error: Some(AuthError::NotSignedIn),
                ..SignOutReport::default()
            }),
        )
        .unwrap();
        assert_eq!(
            out.revoke_token_error,
            Some(Error::App(AppError::NotSignedIn))
        );
        assert!(!out.is_complete());
        convert::<()>("delete_user", Answer::Done).unwrap();
    }

    #[test]
    fn another_calls_answer_is_an_internal_error_naming_both_kinds() {
        let err = convert::<SignInOutput>("sign_in", Answer::Done).unwrap_err();
        assert_eq!(err.actor(), Actor::Service);
        let text = err.to_string();
        assert!(
            text.contains("`sign_in`") && text.contains("`Done`"),
            "{text}"
        );
        let err = convert::<Tokens>(
            "tokens",
            Answer::IdentityId {
                identity_id: "us-east-1:secretish".to_owned(),
            },
        )
        .unwrap_err();
        assert!(!err.to_string().contains("secretish"), "{err}");
    }
}

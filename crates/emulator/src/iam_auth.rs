//! Which Cognito operations AWS authorizes with IAM credentials, and the emulator's check that
//! such a request is SigV4-signed. Sans IO.
//!
//! The API reference says of every operation either "Amazon Cognito evaluates AWS Identity and
//! Access Management (IAM) policies in requests for this API operation ... you must use IAM
//! credentials to authorize requests" (the administrative operations: `Admin*`, creating and
//! describing pools, clients, domains, groups, identity pools ...) or "Amazon Cognito doesn't
//! evaluate AWS Identity and Access Management (IAM) policies in requests for this API operation"
//! (the operations an app calls for its user: sign-up, sign-in, challenges, the ones authorized
//! by an access token or a session). The second kind is listed here; every other operation
//! needs a signature. AWS refuses a request without one (`MissingAuthenticationTokenException`)
//! or with a malformed one (`IncompleteSignatureException`). The emulator checks the form only:
//! any access key and any signature value are accepted, as no IAM is modelled.

use crate::error::{ApiError, ErrorKind};
use crate::sigv4::{self, HttpRequest, SigV4Error};
use crate::{IDENTITY_PREFIX, USER_POOL_PREFIX};

/// User-pool operations Cognito authorizes without IAM: public, or authorized by an access
/// token, a session or a client secret.
const USER_POOL_WITHOUT_IAM: &[&str] = &[
    "AssociateSoftwareToken",
    "ChangePassword",
    "CompleteWebAuthnRegistration",
    "ConfirmDevice",
    "ConfirmForgotPassword",
    "ConfirmSignUp",
    "DeleteUser",
    "DeleteUserAttributes",
    "DeleteWebAuthnCredential",
    "ForgetDevice",
    "ForgotPassword",
    "GetDevice",
    "GetTokensFromRefreshToken",
    "GetUser",
    "GetUserAttributeVerificationCode",
    "GetUserAuthFactors",
    "GlobalSignOut",
    "InitiateAuth",
    "ListDevices",
    "ListWebAuthnCredentials",
    "ResendConfirmationCode",
    "RespondToAuthChallenge",
    "RevokeToken",
    "SetUserMFAPreference",
    "SetUserSettings",
    "SignUp",
    "StartWebAuthnRegistration",
    "UpdateAuthEventFeedback",
    "UpdateDeviceStatus",
    "UpdateUserAttributes",
    "VerifySoftwareToken",
    "VerifyUserAttribute",
];

/// Identity-pool operations callable without credentials ("This is a public API. You do not
/// need any credentials to call this API.").
const IDENTITY_WITHOUT_IAM: &[&str] = &[
    "GetCredentialsForIdentity",
    "GetId",
    "GetOpenIdToken",
    "UnlinkIdentity",
];

/// Whether Cognito authorizes the operation `target` (an `X-Amz-Target` such as
/// `AWSCognitoIdentityProviderService.AdminCreateUser`) with IAM credentials. A target of
/// neither Cognito service is not judged here (`false`).
pub fn needs_iam(target: &str) -> bool {
    if let Some(op) = target.strip_prefix(USER_POOL_PREFIX) {
        !USER_POOL_WITHOUT_IAM.contains(&op)
    } else if let Some(op) = target.strip_prefix(IDENTITY_PREFIX) {
        !IDENTITY_WITHOUT_IAM.contains(&op)
    } else {
        false
    }
}

/// The error AWS answers `req` with when it calls an IAM-authorized operation (see
/// [`needs_iam`]) without a SigV4 signature, or with one missing a part; `None` when the
/// operation needs no IAM or the signature is well formed (its key and value are not checked).
pub fn refusal(target: &str, req: &HttpRequest<'_>) -> Option<ApiError> {
    if !needs_iam(target) {
        return None;
    }
    match sigv4::parse(req) {
        Ok(_) => None,
        Err(SigV4Error::Missing) => Some(ApiError::new(
            ErrorKind::MissingAuthenticationToken,
            "Missing Authentication Token",
        )),
        Err(e) => Some(ApiError::new(ErrorKind::IncompleteSignature, e.to_string())),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn request(headers: &[(&str, &str)]) -> Vec<(String, String)> {
        headers
            .iter()
            .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
            .collect()
    }

    fn judge(target: &str, headers: &[(&str, &str)]) -> Option<&'static str> {
        let headers = request(headers);
        let req = HttpRequest {
            method: "POST",
            path: "/",
            query: "",
            headers: &headers,
            body: b"{}",
        };
        refusal(target, &req).map(|e| e.kind.name())
    }

    const SIGNED: &str = "AWS4-HMAC-SHA256 Credential=ANYKEY/20260101/us-east-1/cognito-idp/aws4_request, SignedHeaders=host;x-amz-date, Signature=00";

    #[test]
    fn admin_and_management_operations_need_a_well_formed_signature() {
        for op in [
            "AdminCreateUser",
            "ListUsers",
            "CreateUserPool",
            "DescribeUserPoolClient",
        ] {
            let target = format!("{USER_POOL_PREFIX}{op}");
            assert_eq!(
                judge(&target, &[]),
                Some("MissingAuthenticationTokenException"),
                "{op}"
            );
            assert_eq!(
                judge(&target, &[("Authorization", "Bearer abc")]),
                Some("IncompleteSignatureException"),
                "{op}"
            );
            assert_eq!(
                judge(&target, &[("Authorization", SIGNED)]),
                Some("IncompleteSignatureException"),
                "{op}: no X-Amz-Date"
            );
            assert_eq!(
                judge(
                    &target,
                    &[
                        ("Authorization", SIGNED),
                        ("X-Amz-Date", "20260101T000000Z")
                    ]
                ),
                None,
                "{op}"
            );
        }
        let describe = format!("{IDENTITY_PREFIX}DescribeIdentityPool");
        assert_eq!(
            judge(&describe, &[]),
            Some("MissingAuthenticationTokenException")
        );
    }

    #[test]
    fn app_operations_need_no_signature() {
        for op in ["InitiateAuth", "SignUp", "GetUser", "RevokeToken"] {
            assert_eq!(judge(&format!("{USER_POOL_PREFIX}{op}"), &[]), None, "{op}");
        }
        for op in ["GetId", "GetCredentialsForIdentity"] {
            assert_eq!(judge(&format!("{IDENTITY_PREFIX}{op}"), &[]), None, "{op}");
        }
        assert!(!needs_iam("Unknown.Thing"));
    }
}

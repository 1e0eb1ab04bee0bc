//! Amazon Cognito's wire names, in one place.
//!
//! The machine writes these strings into requests and reads them from answers; the emulator reads
//! them from requests and writes them into answers. Keeping them here means a typo cannot make the
//! two agree with each other while both disagree with Cognito. The values are those of the
//! Cognito user-pools API reference (`InitiateAuth`, `RespondToAuthChallenge`, error types).
//!
//! ```
//! use cognito_auth_wire::{challenge, param};
//! assert_eq!(challenge::PASSWORD_VERIFIER, "PASSWORD_VERIFIER");
//! assert_eq!(param::SRP_A, "SRP_A");
//! ```

#![forbid(unsafe_code)]

/// `ChallengeName` values (`InitiateAuth` / `RespondToAuthChallenge`), plus the USER_AUTH
/// first-factor names that appear in `AvailableChallenges` and `PREFERRED_CHALLENGE`.
pub mod challenge {
    /// SMS code as a second factor.
    pub const SMS_MFA: &str = "SMS_MFA";
    /// SMS code as a first factor (USER_AUTH).
    pub const SMS_OTP: &str = "SMS_OTP";
    /// Email code, as a first factor (USER_AUTH) or as MFA.
    pub const EMAIL_OTP: &str = "EMAIL_OTP";
    /// TOTP code from an authenticator app.
    pub const SOFTWARE_TOKEN_MFA: &str = "SOFTWARE_TOKEN_MFA";
    /// The user chooses one of several MFA factors (`MFAS_CAN_CHOOSE`).
    pub const SELECT_MFA_TYPE: &str = "SELECT_MFA_TYPE";
    /// MFA is required and the user has none set up (`MFAS_CAN_SETUP`).
    pub const MFA_SETUP: &str = "MFA_SETUP";
    /// An administrator-created user must choose a password.
    pub const NEW_PASSWORD_REQUIRED: &str = "NEW_PASSWORD_REQUIRED";
    /// A Lambda-defined challenge (CUSTOM_AUTH).
    pub const CUSTOM_CHALLENGE: &str = "CUSTOM_CHALLENGE";
    /// USER_AUTH: the user picks a first factor from `AvailableChallenges`.
    pub const SELECT_CHALLENGE: &str = "SELECT_CHALLENGE";
    /// SRP: the client proves the password (`PASSWORD_CLAIM_SIGNATURE`).
    pub const PASSWORD_VERIFIER: &str = "PASSWORD_VERIFIER";
    /// SRP with the device key: the client sends the device's SRP_A.
    pub const DEVICE_SRP_AUTH: &str = "DEVICE_SRP_AUTH";
    /// SRP with the device key: the client proves the device password.
    pub const DEVICE_PASSWORD_VERIFIER: &str = "DEVICE_PASSWORD_VERIFIER";
    /// USER_AUTH first factor: the password in clear (over TLS).
    pub const PASSWORD: &str = "PASSWORD";
    /// USER_AUTH first factor: the password through SRP.
    pub const PASSWORD_SRP: &str = "PASSWORD_SRP";
    /// USER_AUTH first factor: a passkey.
    pub const WEB_AUTHN: &str = "WEB_AUTHN";
    /// CUSTOM_AUTH's first round asks for SRP_A (`CHALLENGE_NAME` = `SRP_A`).
    pub const SRP_A: &str = "SRP_A";
}

/// `AuthFlow` values.
pub mod flow {
    /// Secure Remote Password.
    pub const USER_SRP_AUTH: &str = "USER_SRP_AUTH";
    /// The password in clear (over TLS).
    pub const USER_PASSWORD_AUTH: &str = "USER_PASSWORD_AUTH";
    /// Lambda-defined challenges.
    pub const CUSTOM_AUTH: &str = "CUSTOM_AUTH";
    /// Choice-based sign-in (passwordless factors, password, SRP).
    pub const USER_AUTH: &str = "USER_AUTH";
    /// New tokens from a refresh token.
    pub const REFRESH_TOKEN_AUTH: &str = "REFRESH_TOKEN_AUTH";
    /// Alias of `REFRESH_TOKEN_AUTH`.
    pub const REFRESH_TOKEN: &str = "REFRESH_TOKEN";
    /// `AdminInitiateAuth` with a password in clear.
    pub const ADMIN_USER_PASSWORD_AUTH: &str = "ADMIN_USER_PASSWORD_AUTH";
    /// Legacy name of `ADMIN_USER_PASSWORD_AUTH`.
    pub const ADMIN_NO_SRP_AUTH: &str = "ADMIN_NO_SRP_AUTH";
}

/// `ExplicitAuthFlows` values of an app client.
pub mod explicit_flow {
    /// Allows USER_SRP_AUTH.
    pub const ALLOW_USER_SRP_AUTH: &str = "ALLOW_USER_SRP_AUTH";
    /// Allows USER_PASSWORD_AUTH.
    pub const ALLOW_USER_PASSWORD_AUTH: &str = "ALLOW_USER_PASSWORD_AUTH";
    /// Allows CUSTOM_AUTH.
    pub const ALLOW_CUSTOM_AUTH: &str = "ALLOW_CUSTOM_AUTH";
    /// Allows USER_AUTH.
    pub const ALLOW_USER_AUTH: &str = "ALLOW_USER_AUTH";
    /// Allows REFRESH_TOKEN_AUTH.
    pub const ALLOW_REFRESH_TOKEN_AUTH: &str = "ALLOW_REFRESH_TOKEN_AUTH";
    /// Allows ADMIN_USER_PASSWORD_AUTH.
    pub const ALLOW_ADMIN_USER_PASSWORD_AUTH: &str = "ALLOW_ADMIN_USER_PASSWORD_AUTH";
}

/// Keys of `AuthParameters`, `ChallengeParameters` and `ChallengeResponses`.
pub mod param {
    /// The user name (or alias) the user typed.
    pub const USERNAME: &str = "USERNAME";
    /// The password in clear.
    pub const PASSWORD: &str = "PASSWORD";
    /// HMAC of username + client id under the client secret.
    pub const SECRET_HASH: &str = "SECRET_HASH";
    /// The client's SRP public value A (hex).
    pub const SRP_A: &str = "SRP_A";
    /// The server's SRP public value B (hex).
    pub const SRP_B: &str = "SRP_B";
    /// The user's SRP salt (hex).
    pub const SALT: &str = "SALT";
    /// The opaque block the client echoes with its proof.
    pub const SECRET_BLOCK: &str = "SECRET_BLOCK";
    /// The internal user name the SRP proof is computed over.
    pub const USER_ID_FOR_SRP: &str = "USER_ID_FOR_SRP";
    /// A remembered device's key.
    pub const DEVICE_KEY: &str = "DEVICE_KEY";
    /// `SECRET_BLOCK` echoed in a PASSWORD_VERIFIER answer.
    pub const PASSWORD_CLAIM_SECRET_BLOCK: &str = "PASSWORD_CLAIM_SECRET_BLOCK";
    /// The SRP proof.
    pub const PASSWORD_CLAIM_SIGNATURE: &str = "PASSWORD_CLAIM_SIGNATURE";
    /// The time the proof was made, in Cognito's format.
    pub const TIMESTAMP: &str = "TIMESTAMP";
    /// A custom challenge's or SELECT_CHALLENGE's answer.
    pub const ANSWER: &str = "ANSWER";
    /// NEW_PASSWORD_REQUIRED's new password.
    pub const NEW_PASSWORD: &str = "NEW_PASSWORD";
    /// SMS_MFA's code.
    pub const SMS_MFA_CODE: &str = "SMS_MFA_CODE";
    /// SMS_OTP's code.
    pub const SMS_OTP_CODE: &str = "SMS_OTP_CODE";
    /// EMAIL_OTP's code.
    pub const EMAIL_OTP_CODE: &str = "EMAIL_OTP_CODE";
    /// SOFTWARE_TOKEN_MFA's code.
    pub const SOFTWARE_TOKEN_MFA_CODE: &str = "SOFTWARE_TOKEN_MFA_CODE";
    /// CUSTOM_AUTH: names the first challenge (`SRP_A`), and SELECT_MFA_TYPE's choice.
    pub const CHALLENGE_NAME: &str = "CHALLENGE_NAME";
    /// REFRESH_TOKEN_AUTH's refresh token.
    pub const REFRESH_TOKEN: &str = "REFRESH_TOKEN";
    /// USER_AUTH's preferred first factor.
    pub const PREFERRED_CHALLENGE: &str = "PREFERRED_CHALLENGE";
    /// MFA_SETUP: the factors the user may set up (JSON array).
    pub const MFAS_CAN_SETUP: &str = "MFAS_CAN_SETUP";
    /// SELECT_MFA_TYPE: the factors the user may choose (JSON array).
    pub const MFAS_CAN_CHOOSE: &str = "MFAS_CAN_CHOOSE";
    /// Masked destination of a code.
    pub const CODE_DELIVERY_DESTINATION: &str = "CODE_DELIVERY_DESTINATION";
    /// `SMS` or `EMAIL`.
    pub const CODE_DELIVERY_DELIVERY_MEDIUM: &str = "CODE_DELIVERY_DELIVERY_MEDIUM";
    /// SELECT_CHALLENGE: the first factors offered (JSON array).
    pub const AVAILABLE_CHALLENGES: &str = "AVAILABLE_CHALLENGES";
    /// NEW_PASSWORD_REQUIRED: the user's current attributes (JSON object).
    pub const USER_ATTRIBUTES: &str = "userAttributes";
    /// Prefix of an attribute set while answering NEW_PASSWORD_REQUIRED.
    pub const USER_ATTRIBUTES_PREFIX: &str = "userAttributes.";
    /// NEW_PASSWORD_REQUIRED: attributes that must be supplied (JSON array).
    pub const REQUIRED_ATTRIBUTES: &str = "requiredAttributes";
    /// MFA_SETUP for email: the address to verify.
    pub const EMAIL: &str = "EMAIL";
}

/// The `__type` of Cognito's error answers (the SDKs' error codes).
pub mod error_code {
    /// Wrong password, revoked or expired token, disabled user, flow not allowed.
    pub const NOT_AUTHORIZED: &str = "NotAuthorizedException";
    /// No such user.
    pub const USER_NOT_FOUND: &str = "UserNotFoundException";
    /// The user has not confirmed sign-up.
    pub const USER_NOT_CONFIRMED: &str = "UserNotConfirmedException";
    /// Sign-up with a taken name.
    pub const USERNAME_EXISTS: &str = "UsernameExistsException";
    /// A parameter is missing or malformed.
    pub const INVALID_PARAMETER: &str = "InvalidParameterException";
    /// The password breaks the pool's policy.
    pub const INVALID_PASSWORD: &str = "InvalidPasswordException";
    /// A confirmation or MFA code is wrong.
    pub const CODE_MISMATCH: &str = "CodeMismatchException";
    /// A code has expired.
    pub const EXPIRED_CODE: &str = "ExpiredCodeException";
    /// A pool, client, identity or device does not exist.
    pub const RESOURCE_NOT_FOUND: &str = "ResourceNotFoundException";
    /// The pool is misconfigured for the request.
    pub const INVALID_USER_POOL_CONFIGURATION: &str = "InvalidUserPoolConfigurationException";
    /// Throttled (user pools and identity pools).
    pub const TOO_MANY_REQUESTS: &str = "TooManyRequestsException";
    /// A per-user limit is reached (codes sent, devices, ...).
    pub const LIMIT_EXCEEDED: &str = "LimitExceededException";
    /// An administrator reset the password; the user must reset it.
    pub const PASSWORD_RESET_REQUIRED: &str = "PasswordResetRequiredException";
    /// TOTP verification failed or TOTP is not set up.
    pub const ENABLE_SOFTWARE_TOKEN_MFA: &str = "EnableSoftwareTokenMFAException";
    /// The email or phone number is another user's alias.
    pub const ALIAS_EXISTS: &str = "AliasExistsException";
    /// RevokeToken with a token that cannot be revoked.
    pub const UNSUPPORTED_TOKEN_TYPE: &str = "UnsupportedTokenTypeException";
    /// The service failed.
    pub const INTERNAL_ERROR: &str = "InternalErrorException";
    /// The target operation does not exist.
    pub const UNKNOWN_OPERATION: &str = "UnknownOperationException";
    /// The request body is not valid JSON for the operation.
    pub const SERIALIZATION: &str = "SerializationException";
    /// Identity pools: the pool is misconfigured (no role, ...).
    pub const INVALID_IDENTITY_POOL_CONFIGURATION: &str =
        "InvalidIdentityPoolConfigurationException";
    /// Identity pools: the external provider failed.
    pub const EXTERNAL_SERVICE: &str = "ExternalServiceException";
    /// Identity pools: the developer user is linked to another identity.
    pub const DEVELOPER_USER_ALREADY_REGISTERED: &str = "DeveloperUserAlreadyRegisteredException";
    /// Identity pools: a conflicting change.
    pub const RESOURCE_CONFLICT: &str = "ResourceConflictException";
    /// Identity pools: the client may not make the call.
    pub const UNAUTHORIZED: &str = "UnauthorizedException";
    /// Refused by AWS WAF or by the caller's permissions.
    pub const FORBIDDEN: &str = "ForbiddenException";
    /// Throttled (the generic AWS code).
    pub const THROTTLING: &str = "ThrottlingException";
    /// GetTokensFromRefreshToken with a refresh token that rotation replaced and whose grace
    /// period is over.
    pub const REFRESH_TOKEN_REUSE: &str = "RefreshTokenReuseException";
}

/// `VerifySoftwareToken`'s `Status` values (`VerifySoftwareTokenResponseType`).
pub mod verify_status {
    /// The code matched: the TOTP device is registered.
    pub const SUCCESS: &str = "SUCCESS";
}

/// `X-Amz-Target` prefixes of the AWS JSON 1.1 protocol: the operation name follows them.
pub mod target {
    /// User pools (`cognito-idp`): `AWSCognitoIdentityProviderService.InitiateAuth`, ...
    pub const USER_POOLS: &str = "AWSCognitoIdentityProviderService.";
    /// Identity pools (`cognito-identity`): `AWSCognitoIdentityService.GetId`, ...
    pub const IDENTITY_POOLS: &str = "AWSCognitoIdentityService.";
}

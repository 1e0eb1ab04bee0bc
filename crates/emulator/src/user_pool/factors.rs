//! `USER_AUTH` first factors: the ones a user can choose from. One function decides them for
//! both `InitiateAuth`'s `AvailableChallenges` (SELECT_CHALLENGE) and `GetUserAuthFactors`'
//! `ConfiguredUserAuthFactors`, so the two cannot disagree.

use cognito_auth_wire::challenge;

use crate::model::{User, UserPool};

/// `AuthFactorType` names (API reference, `SignInPolicyType` and `GetUserAuthFactors`).
pub(crate) mod factor {
    /// The password, typed (`PASSWORD`) or proved through SRP (`PASSWORD_SRP`).
    pub(crate) const PASSWORD: &str = "PASSWORD";
    /// A one-time code by email.
    pub(crate) const EMAIL_OTP: &str = "EMAIL_OTP";
    /// A one-time code by SMS.
    pub(crate) const SMS_OTP: &str = "SMS_OTP";
    /// A passkey (not modelled by the emulator: no user has one).
    pub(crate) const WEB_AUTHN: &str = "WEB_AUTHN";
}

/// The first-factor challenges `user` can start with `USER_AUTH`, in `AvailableChallenges`
/// order: those the pool's sign-in policy allows (`PASSWORD` allows both `PASSWORD` and
/// `PASSWORD_SRP`) that the user can answer: a password that is set, an email address or phone
/// number that is verified. Passkeys are not modelled, so `WEB_AUTHN` is never offered.
pub(crate) fn available_first_factors(pool: &UserPool, user: &User) -> Vec<&'static str> {
    let allowed = |f: &str| pool.first_auth_factors.iter().any(|a| a == f);
    let verified = |attr: &str| {
        user.attr(attr).is_some() && user.attr(&format!("{attr}_verified")) == Some("true")
    };
    let mut v = Vec::new();
    if allowed(factor::PASSWORD) && user.password.is_some() {
        v.push(challenge::PASSWORD);
        v.push(challenge::PASSWORD_SRP);
    }
    if allowed(factor::EMAIL_OTP) && verified("email") {
        v.push(challenge::EMAIL_OTP);
    }
    if allowed(factor::SMS_OTP) && verified("phone_number") {
        v.push(challenge::SMS_OTP);
    }
    v
}

/// `ConfiguredUserAuthFactors`: [`available_first_factors`] in `AuthFactorType` names, where
/// `PASSWORD` and `PASSWORD_SRP` are the one factor `PASSWORD`.
pub(crate) fn configured_user_auth_factors(pool: &UserPool, user: &User) -> Vec<&'static str> {
    let mut v: Vec<&'static str> = Vec::new();
    for c in available_first_factors(pool, user) {
        // The other first-factor challenges are named as their factor.
        let f = if c == challenge::PASSWORD_SRP {
            factor::PASSWORD
        } else {
            c
        };
        if !v.contains(&f) {
            v.push(f);
        }
    }
    v
}

//! A sign-in's next step as the CLI shows it: a name for scripts, a prompt for people, and
//! the choices when the answer is one of a list.

use cognito_auth::{CodeDelivery, SignInStep};

use crate::exit::Failure;

/// What a sign-in needs next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Step {
    Done,
    Challenge(Challenge),
}

/// A sign-in challenge the user answers with one line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Challenge {
    /// The engine's step name (`confirmWithSmsCode`, ...), for `--json` and scripts.
    pub(crate) name: &'static str,
    /// What to enter, for people.
    pub(crate) prompt: String,
    /// TOTP setup during sign-in: the secret to add to an authenticator app.
    pub(crate) shared_secret: Option<String>,
    /// A choice among these names (MFA type, first factor); empty for free answers.
    pub(crate) choices: Vec<String>,
}

fn sent_to(d: Option<&CodeDelivery>) -> String {
    match d.and_then(|d| d.destination.as_deref()) {
        Some(destination) => format!(" (sent to {destination})"),
        None => String::new(),
    }
}

fn challenge(name: &'static str, prompt: String) -> Step {
    Step::Challenge(Challenge {
        name,
        prompt,
        shared_secret: None,
        choices: Vec::new(),
    })
}

fn choice(name: &'static str, what: &str, choices: Vec<String>) -> Step {
    Step::Challenge(Challenge {
        name,
        prompt: format!("{what} ({})", choices.join(", ")),
        shared_secret: None,
        choices,
    })
}

pub(super) fn step_view(step: SignInStep) -> Result<Step, Failure> {
    Ok(match step {
        SignInStep::Done => Step::Done,
        SignInStep::ConfirmWithSmsCode { code_delivery } => challenge(
            "confirmWithSmsCode",
            format!("SMS code{}", sent_to(code_delivery.as_ref())),
        ),
        SignInStep::ConfirmWithEmailCode { code_delivery } => challenge(
            "confirmWithEmailCode",
            format!("email code{}", sent_to(code_delivery.as_ref())),
        ),
        SignInStep::ConfirmWithTotpCode => challenge(
            "confirmWithTotpCode",
            "code from your authenticator app".to_owned(),
        ),
        SignInStep::SelectMfaType { allowed } => {
            choice("selectMfaType", "MFA method to use", allowed)
        }
        SignInStep::SelectMfaSetupType { allowed } => {
            choice("selectMfaSetupType", "MFA method to set up", allowed)
        }
        SignInStep::SetUpTotp { shared_secret } => Step::Challenge(Challenge {
            name: "setUpTotp",
            prompt: "add the secret to an authenticator app, then enter a code from it".to_owned(),
            shared_secret: Some(shared_secret.expose().clone()),
            choices: Vec::new(),
        }),
        SignInStep::SetUpEmail => challenge(
            "setUpEmail",
            "email address to receive MFA codes".to_owned(),
        ),
        SignInStep::NewPasswordRequired {
            required_attributes,
        } => challenge(
            "newPasswordRequired",
            if required_attributes.is_empty() {
                "new password".to_owned()
            } else {
                format!(
                    "new password (the pool also requires: {})",
                    required_attributes.join(", ")
                )
            },
        ),
        SignInStep::CustomChallenge { parameters } => {
            challenge("customChallenge", custom_prompt(parameters.iter()))
        }
        SignInStep::SelectFirstFactor { available } => {
            choice("selectFirstFactor", "first factor", available)
        }
        SignInStep::ConfirmWithPassword => challenge("confirmWithPassword", "password".to_owned()),
        other => {
            return Err(Failure::internal(format!(
                "the engine asks for a sign-in step this CLI does not know: {other:?}"
            )))
        }
    })
}

/// The custom challenge's prompt: its public parameters, which the auth-challenge trigger put
/// there for the user to see (the question), not only their names. `USERNAME` is Cognito's
/// echo of who signs in, not part of the question.
fn custom_prompt<'a>(parameters: impl Iterator<Item = (&'a String, &'a String)>) -> String {
    let shown: Vec<String> = parameters
        .filter(|(name, _)| name.as_str() != "USERNAME")
        .map(|(name, value)| format!("{name}: {value}"))
        .collect();
    if shown.is_empty() {
        "answer to the custom challenge".to_owned()
    } else {
        format!("answer to the custom challenge ({})", shown.join("; "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_custom_prompt_shows_the_public_parameters_but_not_the_user_name() {
        let username = ("USERNAME".to_owned(), "alice".to_owned());
        let question = ("question".to_owned(), "What is 6 x 7?".to_owned());
        assert_eq!(
            custom_prompt([(&username.0, &username.1), (&question.0, &question.1)].into_iter()),
            "answer to the custom challenge (question: What is 6 x 7?)"
        );
        assert_eq!(
            custom_prompt([(&username.0, &username.1)].into_iter()),
            "answer to the custom challenge"
        );
    }
}

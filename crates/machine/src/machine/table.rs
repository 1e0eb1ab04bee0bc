//! The machine's transition table, kept by hand beside the handlers (statig does not expose
//! one): every state with its superstate, and every change of state a handler can make. The
//! `cognito-auth diagram` command and `docs/STATES.md` are generated from it;
//! `crates/machine/tests/transition_table.rs` checks it against the transitions the scenario
//! tests and random sessions really make, in both directions.

use super::State;

impl State {
    /// The state's name, as in `docs/ARCHITECTURE.md` (snake case, stable).
    pub fn name(&self) -> &'static str {
        match self {
            State::Restoring {} => "restoring",
            State::SignedOut {} => "signed_out",
            State::ComputingSrpA { .. } => "computing_srp_a",
            State::InitiatingAuth { .. } => "initiating_auth",
            State::RespondingToChallenge { .. } => "responding_to_challenge",
            State::ComputingClaim { .. } => "computing_claim",
            State::AwaitingChallengeAnswer { .. } => "awaiting_challenge_answer",
            State::SettingUpTotp { .. } => "setting_up_totp",
            State::ComputingDeviceVerifier { .. } => "computing_device_verifier",
            State::ConfirmingDevice { .. } => "confirming_device",
            State::AwaitingWebRedirect { .. } => "awaiting_web_redirect",
            State::ExchangingCode { .. } => "exchanging_code",
            State::Fresh { .. } => "fresh",
            State::Refreshing { .. } => "refreshing",
            State::Stale { .. } => "stale",
            State::DeletingUser { .. } => "deleting_user",
            State::SessionExpired { .. } => "session_expired",
            State::Federating { .. } => "federating",
            State::Federated { .. } => "federated",
            State::FederationExpired { .. } => "federation_expired",
            State::SigningOut { .. } => "signing_out",
        }
    }
}

/// A change of state: from any of `from` (a state, or a superstate meaning each of its states)
/// to `to`, on `on`. Changes from a state to itself are not listed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Edge {
    /// The states (or superstates) it leaves.
    pub from: &'static [&'static str],
    /// The state it enters.
    pub to: &'static str,
    /// What causes it.
    pub on: &'static str,
}

/// The state a new machine starts in.
pub const INITIAL: &str = "restoring";

/// Every state, in the order of `docs/ARCHITECTURE.md`'s table.
pub const STATES: &[&str] = &[
    "restoring",
    "signed_out",
    "computing_srp_a",
    "initiating_auth",
    "responding_to_challenge",
    "computing_claim",
    "awaiting_challenge_answer",
    "setting_up_totp",
    "computing_device_verifier",
    "confirming_device",
    "awaiting_web_redirect",
    "exchanging_code",
    "fresh",
    "refreshing",
    "stale",
    "deleting_user",
    "session_expired",
    "federating",
    "federated",
    "federation_expired",
    "signing_out",
];

/// The superstates that group states (below the root `any`), with their states.
pub const SUPERSTATES: &[(&str, &[&str])] = &[
    (
        "signing_in",
        &[
            "computing_srp_a",
            "initiating_auth",
            "responding_to_challenge",
            "computing_claim",
            "awaiting_challenge_answer",
            "setting_up_totp",
            "computing_device_verifier",
            "confirming_device",
        ],
    ),
    ("signed_in", &["fresh", "refreshing", "stale"]),
];

const SIGN_IN_STARTS: &[&str] = &["signed_out", "session_expired", "awaiting_web_redirect"];
const WEB_OR_SIGNING_IN: &[&str] = &["signing_in", "awaiting_web_redirect", "exchanging_code"];

/// Every change of state the handlers make.
// One edge a line: the table reads better than rustfmt's layout of it.
#[rustfmt::skip]
pub const EDGES: &[Edge] = &[
    Edge { from: &["restoring"], to: "signed_out", on: "nothing stored" },
    Edge { from: &["restoring"], to: "fresh", on: "stored tokens valid" },
    Edge { from: &["restoring"], to: "refreshing", on: "stored tokens due" },
    Edge { from: &["restoring"], to: "session_expired", on: "stored session expired" },
    Edge { from: &["restoring"], to: "federated", on: "stored federation" },
    Edge { from: &["restoring"], to: "federation_expired", on: "stored federation expired" },
    Edge { from: SIGN_IN_STARTS, to: "computing_srp_a", on: "sign_in (SRP first)" },
    Edge { from: &["signing_in"], to: "computing_srp_a", on: "sign_in again (SRP first)" },
    Edge { from: SIGN_IN_STARTS, to: "initiating_auth", on: "sign_in" },
    Edge { from: &["signing_in"], to: "initiating_auth", on: "sign_in again, or a forgotten device" },
    Edge { from: &["computing_srp_a"], to: "initiating_auth", on: "SRP_A computed" },
    Edge { from: &["initiating_auth", "responding_to_challenge", "awaiting_challenge_answer"], to: "computing_srp_a", on: "DEVICE_SRP_AUTH, PASSWORD_SRP chosen" },
    Edge { from: &["computing_srp_a"], to: "responding_to_challenge", on: "SRP_A computed (device, PASSWORD_SRP)" },
    Edge { from: &["signed_out", "session_expired", "signing_in"], to: "awaiting_web_redirect", on: "sign_in_with_web_ui" },
    Edge { from: &["signed_out", "federated", "federation_expired"], to: "federating", on: "federated_sign_in" },
    Edge { from: WEB_OR_SIGNING_IN, to: "signed_out", on: "sign_out, or failed (from signed out)" },
    Edge { from: WEB_OR_SIGNING_IN, to: "session_expired", on: "failed (from session expired)" },
    Edge { from: &["initiating_auth", "responding_to_challenge"], to: "computing_claim", on: "PASSWORD_VERIFIER, DEVICE_PASSWORD_VERIFIER" },
    Edge { from: &["initiating_auth", "responding_to_challenge"], to: "awaiting_challenge_answer", on: "a challenge for the user" },
    Edge { from: &["setting_up_totp"], to: "awaiting_challenge_answer", on: "TOTP secret associated" },
    Edge { from: &["initiating_auth", "computing_claim", "awaiting_challenge_answer", "setting_up_totp"], to: "responding_to_challenge", on: "RespondToAuthChallenge" },
    Edge { from: &["initiating_auth", "responding_to_challenge", "awaiting_challenge_answer"], to: "setting_up_totp", on: "MFA_SETUP" },
    Edge { from: &["initiating_auth", "responding_to_challenge"], to: "computing_device_verifier", on: "tokens and a new device" },
    Edge { from: &["computing_device_verifier"], to: "confirming_device", on: "verifier computed" },
    Edge { from: &["initiating_auth", "responding_to_challenge", "confirming_device"], to: "fresh", on: "tokens" },
    Edge { from: &["awaiting_web_redirect"], to: "exchanging_code", on: "handle_redirect" },
    Edge { from: &["exchanging_code"], to: "fresh", on: "tokens" },
    Edge { from: &["fresh"], to: "refreshing", on: "timer, caller, back online, id token refused by the identity pool" },
    Edge { from: &["stale"], to: "refreshing", on: "timer, caller, back online" },
    Edge { from: &["refreshing"], to: "fresh", on: "new tokens" },
    Edge { from: &["refreshing"], to: "stale", on: "network, 5xx, throttled" },
    Edge { from: &["signed_in"], to: "session_expired", on: "refresh NotAuthorized" },
    Edge { from: &["signed_in"], to: "deleting_user", on: "delete_user" },
    Edge { from: &["signed_in"], to: "signing_out", on: "sign_out" },
    Edge { from: &["signed_in"], to: "signed_out", on: "sign_out, nothing to send" },
    Edge { from: &["deleting_user"], to: "signed_out", on: "user deleted" },
    Edge { from: &["deleting_user"], to: "fresh", on: "DeleteUser failed" },
    Edge { from: &["deleting_user"], to: "signing_out", on: "DeleteUser failed, a sign_out waiting" },
    Edge { from: &["signing_out"], to: "signed_out", on: "sign-out calls answered" },
    Edge { from: &["session_expired"], to: "signed_out", on: "sign_out" },
    Edge { from: &["federated", "federation_expired"], to: "signed_out", on: "sign_out, clear_federation" },
    Edge { from: &["federating"], to: "signed_out", on: "sign_out, clear_federation, or failed (from signed out)" },
    Edge { from: &["federating"], to: "federated", on: "credentials, or failed (from federated)" },
    Edge { from: &["federating"], to: "federation_expired", on: "failed (from federation expired)" },
    Edge { from: &["federated"], to: "federation_expired", on: "provider token rejected" },
];

/// The superstate `state` belongs to (below the root), if any.
pub fn superstate_of(state: &str) -> Option<&'static str> {
    SUPERSTATES
        .iter()
        .find(|(_, members)| members.contains(&state))
        .map(|(name, _)| *name)
}

/// Whether `source` (a state or superstate named in an edge) covers state `from`.
pub fn covers(source: &str, from: &str) -> bool {
    source == from || superstate_of(from) == Some(source)
}

/// The edges that describe a change from state `from` to state `to` (empty: not in the table).
pub fn edges_between<'a>(from: &'a str, to: &'a str) -> impl Iterator<Item = &'static Edge> + 'a {
    EDGES
        .iter()
        .filter(move |e| e.to == to && e.from.iter().any(|s| covers(s, from)))
}

/// The machine as a Mermaid `stateDiagram-v2`: superstates as composite states, one arrow per
/// source of each edge, labelled with its cause.
pub fn mermaid() -> String {
    let mut out = String::from("stateDiagram-v2\n");
    out.push_str(&format!("    [*] --> {INITIAL}\n"));
    for (name, members) in SUPERSTATES {
        out.push_str(&format!("    state {name} {{\n"));
        for m in *members {
            out.push_str(&format!("        {m}\n"));
        }
        out.push_str("    }\n");
    }
    for edge in EDGES {
        for from in edge.from {
            out.push_str(&format!("    {from} --> {}: {}\n", edge.to, edge.on));
        }
    }
    out
}

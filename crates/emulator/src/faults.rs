//! Seeded fault injection for the HTTP layer: per-operation rules for latency, 5xx, throttling
//! and dropped connections. Every draw comes from one seed, so a failing run can be replayed.

use rand_chacha::ChaCha8Rng;
use rand_core::{RngCore, SeedableRng};
use serde::{Deserialize, Serialize};

/// What a rule does when it fires.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FaultKind {
    /// Delay the answer by `latency_ms`, then answer normally.
    Latency,
    /// Answer `InternalErrorException` with HTTP 500.
    ServerError,
    /// Answer `TooManyRequestsException` with HTTP 400.
    Throttle,
    /// Close the connection without a complete answer.
    Drop,
}

/// One rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FaultRule {
    /// Operation name (`InitiateAuth`) or `*` for every operation.
    pub operation: String,
    /// What happens.
    pub kind: FaultKind,
    /// Chance of firing per request, 0.0 to 1.0.
    #[serde(default = "one")]
    pub probability: f64,
    /// Delay for [`FaultKind::Latency`].
    #[serde(default)]
    pub latency_ms: u64,
}

fn one() -> f64 {
    1.0
}

/// A rule set and the random stream it draws from.
#[derive(Debug)]
pub struct Faults {
    rules: Vec<FaultRule>,
    rng: ChaCha8Rng,
}

/// What to do with one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FaultPlan {
    /// Wait this long first.
    pub latency_ms: u64,
    /// Then fail this way instead of answering (`None`: answer normally).
    pub failure: Option<FaultKind>,
}

impl Faults {
    /// Rules drawing from `seed`.
    pub fn new(seed: u64, rules: Vec<FaultRule>) -> Self {
        Self {
            rules,
            rng: ChaCha8Rng::seed_from_u64(seed),
        }
    }

    /// No faults.
    pub fn none() -> Self {
        Self::new(0, Vec::new())
    }

    /// The rules in force.
    pub fn rules(&self) -> &[FaultRule] {
        &self.rules
    }

    /// Decides the fate of one request for `operation`. Each matching rule draws once, in
    /// order; latencies add up, and the first failure wins.
    pub fn plan(&mut self, operation: &str) -> FaultPlan {
        let mut plan = FaultPlan::default();
        for r in &self.rules {
            if r.operation != "*" && r.operation != operation {
                continue;
            }
            // 53 random bits give a uniform float in [0, 1).
            let draw = (self.rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
            if draw >= r.probability {
                continue;
            }
            match r.kind {
                FaultKind::Latency => plan.latency_ms += r.latency_ms,
                other => {
                    if plan.failure.is_none() {
                        plan.failure = Some(other);
                    }
                }
            }
        }
        plan
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_plans_and_probability_respected() {
        let rules = vec![FaultRule {
            operation: "InitiateAuth".into(),
            kind: FaultKind::Throttle,
            probability: 0.5,
            latency_ms: 0,
        }];
        let mut a = Faults::new(9, rules.clone());
        let mut b = Faults::new(9, rules);
        let pa: Vec<_> = (0..200).map(|_| a.plan("InitiateAuth")).collect();
        let pb: Vec<_> = (0..200).map(|_| b.plan("InitiateAuth")).collect();
        assert_eq!(pa, pb);
        let fired = pa.iter().filter(|p| p.failure.is_some()).count();
        assert!((60..140).contains(&fired), "fired {fired} of 200");
        assert_eq!(a.plan("SignUp"), FaultPlan::default());
    }
}

//! `docs/ARCHITECTURE.md` lists the machine's states; this keeps the list true. The state names
//! come from the `State` enum statig generates (read through its serde derive, so a new state
//! cannot be missed), the documented ones from the first column of the table under
//! "### States".

// Test helpers outside `#[test]` functions: a failed expectation is a test failure.
#![allow(clippy::expect_used, clippy::panic)]

use cognito_auth_machine::State;
use serde::de::{self, Deserializer, Visitor};

/// A deserializer that only records the variant names an enum asks for.
struct VariantNames(Option<&'static [&'static str]>);

impl<'de> Deserializer<'de> for &mut VariantNames {
    type Error = de::value::Error;

    fn deserialize_any<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value, Self::Error> {
        Err(de::Error::custom("not an enum"))
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        variants: &'static [&'static str],
        _visitor: V,
    ) -> Result<V::Value, Self::Error> {
        self.0 = Some(variants);
        Err(de::Error::custom("names recorded"))
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct map struct identifier
        ignored_any
    }
}

fn snake_case(name: &str) -> String {
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

fn machine_states() -> Vec<String> {
    let mut names = VariantNames(None);
    let _ = <State as serde::Deserialize>::deserialize(&mut names);
    names
        .0
        .expect("State deserializes as an enum")
        .iter()
        .map(|n| snake_case(n))
        .collect()
}

fn documented_states() -> Vec<String> {
    let doc = include_str!("../../../docs/ARCHITECTURE.md");
    let table = doc
        .split_once("### States")
        .expect("ARCHITECTURE.md has a States section")
        .1;
    table
        .lines()
        .skip_while(|l| !l.starts_with('|'))
        .take_while(|l| l.starts_with('|'))
        .filter_map(|l| {
            let cell = l.split('|').nth(1)?.trim();
            Some(cell.strip_prefix('`')?.strip_suffix('`')?.to_owned())
        })
        .collect()
}

#[test]
fn the_documented_state_list_is_the_machine_s() {
    let machine = machine_states();
    let documented = documented_states();
    let missing: Vec<_> = machine.iter().filter(|s| !documented.contains(s)).collect();
    let extra: Vec<_> = documented.iter().filter(|s| !machine.contains(s)).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "docs/ARCHITECTURE.md's state table is out of date.\n\
         not documented: {missing:?}\n\
         documented but not a state: {extra:?}"
    );
    assert_eq!(
        documented.len(),
        machine.len(),
        "a state is documented twice"
    );
}

//! Feeds arbitrary bytes to the configuration parsers. Run with `just fuzz config`; seeds are
//! in `corpus/config/`.
//!
//! Beyond "never panics", it checks two promises: a configuration the parser accepts passes
//! `validate()`, and the lenient parser accepts everything the strict one does.

#![no_main]

use cognito_auth_machine::config::Config;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let strict = Config::from_json_auto(text);
    let lenient = Config::from_json_auto_lenient(text);
    if let Ok(config) = &strict {
        assert_eq!(config.validate(), Ok(()), "a parsed config must validate");
        assert_eq!(lenient.as_ref().ok(), Some(config), "lenient accepts what strict does");
    }
    if let Err(err) = &strict {
        // Formatting must not panic either.
        let _ = (err.to_string(), format!("{err:?}"), err.path());
    }
    let _ = Config::from_aws_configuration_json(text);
    let _ = Config::from_amplify_outputs_json(text);
});

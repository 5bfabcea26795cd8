//! The password policy refuses each of the 10,000 most common passwords (SecLists; source in
//! `tests/fixtures/common_passwords_10k.SOURCE.md`), with the same code and data natively (the
//! Worker) and in wasm (the browser).

use livechat_access::{Code, PasswordPolicy};

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test;

const TOP_10K: &str = include_str!("fixtures/common_passwords_10k.txt");

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn the_10000_most_common_passwords_are_all_refused() {
    let list: Vec<&str> = TOP_10K.lines().collect();
    assert_eq!(list.len(), 10_000);
    let mut by_list = 0;
    for password in &list {
        let refused = PasswordPolicy::check(password, None).expect_err(password);
        match refused.code {
            Code::PasswordTooShort => {}
            Code::PasswordTooCommon => by_list += 1,
            other => panic!("{password}: {other}"),
        }
        // Case does not help.
        let upper = password.to_uppercase();
        assert!(PasswordPolicy::check(&upper, None).is_err(), "{upper}");
    }
    assert_eq!(
        by_list, 24,
        "the long ones are refused as common, not by length"
    );
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn a_long_uncommon_passphrase_passes() {
    assert!(PasswordPolicy::check("correct horse battery staple", None).is_ok());
    assert!(PasswordPolicy::check("qwerty123456", None).is_err());
}

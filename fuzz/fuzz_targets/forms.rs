//! Any bytes as a request body: parsing and every validator must answer, never panic.
#![no_main]
use libfuzzer_sys::fuzz_target;
use livechat_access::*;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(value) = parse_json(text) else { return };
    let catalog = Catalog::default().with_extra(["crm"]);
    let _ = validate_user(&value, &catalog);
    let _ = validate_invitation(&value, &catalog);
    let _ = validate_login(&value);
    let _ = validate_presence(&value);
    let _ = validate_new_conversation(&value, &OrganizationId::default_organization(), &catalog);
    let _ = validate_transfer(&value);
    // The JS API's typed decoders: any JSON gives a value or a field error.
    let _ = decode::actor(&value);
    let _ = decode::action(&value);
    let _ = decode::waiting_conversation(&value);
    let _ = decode::agents(&value);
    let invited = Email::parse("fuzz@exemple.fr");
    let _ = validate_acceptance(&value, invited.as_ref(), false);
    let _ = validate_acceptance(&value, invited.as_ref(), true);
    if let Ok(patch) = validate_user_patch(&value, &catalog) {
        // A valid patch applied to a real account must give a checked account or errors.
        let seed = serde_json::json!({"email": "a@exemple.fr", "password": "une longue phrase", "role": "manager"});
        if let Ok(user) = validate_user(&seed, &catalog) {
            let account = Account { email: user.email, access: user.access, profile: user.profile, disabled: false };
            let _ = patch.apply(&account, &catalog);
        }
    }
    // Any JSON object as a deployment's settings: named problems, never a panic.
    let _ = read_settings(&|name| value.get(name)?.as_str().map(str::to_owned));
    for e in validate_user(&value, &catalog).err().unwrap_or_default() {
        let _ = e.localize(Locale::En);
    }
});

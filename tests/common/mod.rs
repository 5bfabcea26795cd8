//! What several test files share.

use livechat_access::{validate_catalog, Catalog};

/// The catalog every shared form case is read against: the same file the wasm tests in Node pass
/// to the browser package.
pub const CATALOG: &str = include_str!("../fixtures/catalog.json");

/// [`CATALOG`], checked.
pub fn catalog() -> Catalog {
    validate_catalog(&serde_json::from_str(CATALOG).unwrap()).unwrap()
}

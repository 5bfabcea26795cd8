//! The integration surface: what the vendor's other services use. Integration keys (`keys`),
//! signed identity tokens and the key set that verifies them (`identity`). Calls go one way: this
//! room uses the context, the store and the core; nothing else calls into it but the API table.

#[allow(dead_code)] // #22 in progress: not routed yet.
pub mod endpoints;
pub mod identity;
pub mod keys;
#[allow(dead_code)] // #22 in progress: signing is tested, not yet called.
pub mod webhooks;

//! The integration surface: what the vendor's other services use. Integration keys (`keys`),
//! signed identity tokens and the key set that verifies them (`identity`), webhook endpoints
//! (`endpoints`) and the delivery of events to them (`webhooks`). Calls go one way: this
//! room uses the context, the store and the core; nothing else calls into it but the API table.

pub mod endpoints;
pub mod identity;
pub mod keys;
pub mod webhooks;

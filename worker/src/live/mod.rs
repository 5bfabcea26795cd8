//! The live layer (issue #21, work in progress): one Durable Object per organization
//! (`desk.rs`, `OrganizationDesk`) holding the core's `LiveDesk` in memory and its conversations in
//! the object's SQLite. Not wired into the API yet: see the plan on issue #21.

pub mod desk;

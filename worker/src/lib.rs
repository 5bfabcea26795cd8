//! The Cloudflare Worker adapter (built in the Worker issue).

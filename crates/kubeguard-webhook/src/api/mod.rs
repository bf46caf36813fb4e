//! The HTTP layer: thin handlers, the shared state, and errors as JSON responses.

pub mod error;
pub mod handlers;
pub mod state;

//! What the benchmarks share: the generated chat export and roster, and a pty harness
//! that drives real consoles. `benches/import.rs` includes only `chat.rs` (by path).

pub mod chat;
pub mod pty;
pub mod roster;

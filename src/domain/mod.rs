//! Pure rules of the domain: no I/O, no clock of their own, table-tested against the
//! figures in DOMAIN.md.

pub mod content;
pub mod keywords;
pub mod kpi;
pub mod rfm;
pub mod rules;
pub mod sop;
pub mod stage;
pub mod tiers;
pub mod when;

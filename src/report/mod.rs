//! Reports: CSV tables, the run manifest, figures and the report page, written atomically.

pub mod manifest;
pub mod output;
pub mod page;
pub mod plots;
pub mod shard;
pub mod tables;

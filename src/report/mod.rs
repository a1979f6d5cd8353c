//! Reports: CSV tables, the run manifest, figures and the report page, written atomically.

pub mod loss_tables;
pub mod manifest;
pub mod output;
pub mod page;
pub mod plots;
pub mod region_tables;
pub mod shard;
pub mod tables;

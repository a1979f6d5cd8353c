//! Reports: CSV tables, the run manifest, figures and the report page, written atomically.

pub mod calibration;
pub mod figures;
pub mod format;
pub mod loss_tables;
pub mod output;
pub mod page;
pub mod prevention;
pub mod region_tables;
pub mod schema;
pub mod shard;
pub mod tables;
pub mod uncertainty;
pub mod uncertainty_page;
pub mod uncertainty_shard;

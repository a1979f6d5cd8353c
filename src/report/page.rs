//! The report page (placeholder until the figures work lands; the plots helper replaces this file).

use std::path::{Path, PathBuf};

/// Draws every figure and writes the report page of a results directory.
pub fn render_all(_dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    Ok(Vec::new())
}

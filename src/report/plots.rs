//! Figures drawn from a results directory's tables (owned by the plots work).

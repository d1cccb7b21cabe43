//! Compacted samples: closed hours of a series' raw samples packed into one block each
//! (`codec`), so 30 days of 30-second samples fit in a few bytes per sample.

pub mod codec;

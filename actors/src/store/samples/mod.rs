//! The typed sample tables, engine-neutral part: which numbers of which sample events are
//! kept (`catalog`), how they are read out of an event (`extract`), and the time-series
//! query over them (`query`). The engines store them in `series` + `samples` with hourly and
//! daily rollups (`store::sqlite::samples`, `store::postgres::samples`).

pub mod catalog;
pub mod extract;
pub mod query;

pub use catalog::{METRICS, Metric, RawClass};
pub use extract::{SampleRow, rows};
pub use query::{Bucket, Point, Series, SeriesQuery};

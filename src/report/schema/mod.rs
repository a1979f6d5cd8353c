//! The one definition of every file lockout writes for people and other programs to read: one
//! row type per CSV table and one type per `run.json`.
//!
//! A row type's serde field names (or `#[serde(rename)]`) *are* the table's header, in column
//! order. The writers build rows and serialise them with [`RowWriter`] or [`write_rows`]; the
//! figures, the report page and the tests read the same types back (see
//! [`crate::report::figures::read::Tables`]). A column added to a row type appears in the table, in the reader
//! and in the figures at once; nothing else spells its name.
//!
//! Numbers are written as the project always wrote them, whatever the csv crate would do by
//! itself: floats through [`num`] (shortest round-trip form; NaN and infinities as an empty
//! field), integers and booleans as Rust prints them, `None` as an empty field. So a float
//! column that can be undefined is an `Option<f64>` (a non-finite value is written as, and
//! read back as, `None`), and a plain `f64` column is required to be finite by the reader.
//!
//! | file | row type |
//! |---|---|
//! | `summary.csv` | [`SummaryRow`] |
//! | `remedies.csv` | [`RemedyRow`] |
//! | `segments.csv` | [`SegmentRow`] |
//! | `distributions.csv` | [`QuantileRow`] |
//! | `prevention.csv` | [`PreventionRow`] |
//! | `responders.csv` | [`ResponderRow`] |
//! | `waits.csv` | [`WaitRow`] |
//! | `ylt.csv` | [`YltRow`] |
//! | `ep_curve.csv` | [`EpRow`] |
//! | `insurer_cost.csv` | [`InsurerCostRow`] |
//! | `ord/ept.csv` | [`OrdEptRow`] |
//! | `ord/alt.csv` | [`OrdAltRow`] |
//! | `ord/summary-info.csv` | [`OrdSummaryInfoRow`] |
//! | `ord/splt.csv` | [`SpltRow`] |
//! | `sweep.csv` | [`SweepRow`] |
//! | `draws.csv` | [`DrawRow`] (and a column per uncertain parameter) |
//! | `decision.csv` | [`DecisionRow`] |
//! | `sensitivity.csv` | [`SensitivityRow`] |
//! | `run.json` of `lockout uncertainty` | [`UncertaintyManifest`] |
//! | `calibration.csv` | [`CalibrationRow`] |
//! | `parameters.csv` | [`ParameterFitRow`] |
//! | `sets.csv`, `posterior.csv` | [`write_parameter_table`] (a column per parameter) |
//! | `run.json` of `lockout calibrate` | [`CalibrationManifest`] |
//! | `run.json` of a run | [`Manifest`] |
//! | `run.json` of a sweep | [`SweepManifest`] |

use std::io::Write;
use std::marker::PhantomData;

use serde::de::{self, DeserializeOwned, Deserializer, Visitor};
use serde::{Serialize, Serializer};

use super::format::num;

mod calibration;
mod incident;
mod losses;
mod manifest;
mod prevention;
mod region;
mod summary;
mod sweep;
mod uncertainty;

pub use calibration::{
    CalibrationManifest, CalibrationRow, ParameterFitRow, write_parameter_table,
};
pub use incident::{QuantileRow, RemedyRow, SegmentRow};
pub use losses::{
    EpRow, InsurerCostRow, ORD_EPCALC_FULL_UNCERTAINTY, ORD_SAMPLE_TYPE_SAMPLE, OrdAltRow,
    OrdEptRow, OrdSummaryInfoRow, SpltRow, YltRow,
};
pub use manifest::{
    MATH_BACKEND, Manifest, QUANTILE_METHOD, ScenarioInfo, SweepInfo, SweepManifest, platform,
};
pub use prevention::PreventionRow;
pub use region::{ResponderRow, WaitRow};
pub use summary::{CheaperWhen, SummaryRow};
pub use sweep::{SweepRow, SweptValue};
pub use uncertainty::{
    DecisionRow, DrawRow, DrawsTable, ParameterInfo, SensitivityRow, UncertaintyManifest,
    read_draws, write_draws,
};

/// `Some(x)` when `x` is finite, else `None`: the value of an optional float column.
pub fn finite(x: f64) -> Option<f64> {
    x.is_finite().then_some(x)
}

/// Writes a float column with [`num`].
pub(crate) fn ser_num<S: Serializer>(x: &f64, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&num(*x))
}

/// Writes an optional float column with [`num`], `None` as an empty field.
pub(crate) fn ser_opt<S: Serializer>(x: &Option<f64>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&x.map_or_else(String::new, num))
}

/// The header of the table whose rows are `T`: its serde field names, in column order.
pub fn header<T: DeserializeOwned>() -> &'static [&'static str] {
    let mut probe = FieldNames(None);
    let _ = T::deserialize(&mut probe);
    probe.0.expect("a row type is a struct with named fields")
}

/// Writes a table: the header of `T`, then one record per row.
pub fn write_rows<W: Write, T: Serialize + DeserializeOwned>(
    out: W,
    rows: impl IntoIterator<Item = T>,
) -> csv::Result<()> {
    let mut w = RowWriter::new(out)?;
    for row in rows {
        w.write(&row)?;
    }
    w.finish()?;
    Ok(())
}

/// A table being written row by row: the header is written by [`RowWriter::new`], so a table
/// without rows still has its header.
pub struct RowWriter<W: Write, T> {
    w: csv::Writer<W>,
    row: PhantomData<fn(&T)>,
}

impl<W: Write, T: Serialize + DeserializeOwned> RowWriter<W, T> {
    /// Starts the table: writes the header of `T`.
    pub fn new(out: W) -> csv::Result<Self> {
        let mut w = csv::WriterBuilder::new()
            .has_headers(false)
            .from_writer(out);
        w.write_record(header::<T>())?;
        Ok(Self {
            w,
            row: PhantomData,
        })
    }

    /// Writes one row.
    pub fn write(&mut self, row: &T) -> csv::Result<()> {
        self.w.serialize(row)
    }

    /// Flushes the table and returns the underlying writer.
    pub fn finish(self) -> csv::Result<W> {
        self.w
            .into_inner()
            .map_err(|e| csv::Error::from(e.into_error()))
    }
}

/// Reads every row of a table written by [`write_rows`] (extra columns are ignored).
pub fn read_rows<T: DeserializeOwned>(input: impl std::io::Read) -> csv::Result<Vec<T>> {
    csv::Reader::from_reader(input).deserialize().collect()
}

/// A deserializer that only records the field names a struct asks for.
struct FieldNames(Option<&'static [&'static str]>);

impl<'de> Deserializer<'de> for &mut FieldNames {
    type Error = de::value::Error;

    fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Self::Error> {
        Err(de::Error::custom("not a struct"))
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        _visitor: V,
    ) -> Result<V::Value, Self::Error> {
        self.0 = Some(fields);
        Err(de::Error::custom("field names recorded"))
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct map enum identifier
        ignored_any
    }
}

#[cfg(test)]
pub(crate) mod tests;

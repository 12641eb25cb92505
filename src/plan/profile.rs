//! Column tallies: one column's values over some rows as a profile needs
//! them — each distinct non-null value (in order of first appearance) with
//! how many rows hold it, the nulls, and the numbers' moments. A tally is a
//! profile's partial form: the tallies of a table's partitions merge
//! ([`merge`]) into the tally of the whole, from which the profile is
//! finished ([`crate::api::profile::finish`]).

use arrow_array::{Array, ArrayRef, UInt32Array};

use crate::error::Result;
use crate::kernels::accumulate::Moments;
use crate::kernels::{group, kind, select, Selection};

/// One column's values over some rows, as a profile needs them: each
/// distinct non-null value (in order of first appearance) with how many rows
/// hold it, the nulls, and the numbers' moments. What a partition of a table
/// hands over for a profile; tallies of partitions merge ([`merge`]).
#[derive(Clone, Debug)]
pub struct Tally {
    /// The distinct non-null values (dictionaries decoded).
    pub values: ArrayRef,
    pub counts: Vec<u64>,
    pub rows: u64,
    pub nulls: u64,
    /// Count, sum, Welford mean and M2 of the values (numbers only).
    pub moments: Option<Moments>,
}

/// The tally of `array` over `rows`.
pub fn tally(array: &ArrayRef, rows: &Selection) -> Result<Tally> {
    let counts = group::value_counts(array, rows);
    let first_rows = UInt32Array::from_iter_values(counts.values.iter().map(|c| c.1));
    let values = kind::plain_text(&select::take(array.as_ref(), &first_rows)?)?;
    let moments = kind::kind(array.as_ref()).is_number().then(|| {
        // Mean as sum / count (as the `mean` aggregate); Welford for the
        // spread. Welford's running mean is not the mean: after a -∞ it
        // turns NaN at the next finite value (-∞ + ∞).
        let values = kind::floats(array.as_ref());
        let mut m = Moments::default();
        rows.for_each(|row| {
            if values.is_valid(row) {
                m.push(values.value(row));
            }
        });
        m
    });
    Ok(Tally {
        values,
        counts: counts.values.iter().map(|c| c.0).collect(),
        rows: rows.len() as u64,
        nulls: counts.nulls.map_or(0, |n| n.0),
        moments,
    })
}

/// The tallies of a column's partitions, in partition order, as one.
pub fn merge(tallies: &[Tally]) -> Result<Tally> {
    let parts: Vec<&dyn Array> = tallies.iter().map(|t| t.values.as_ref()).collect();
    let values = select::concat(&parts)?;
    let groups = group::group(std::slice::from_ref(&values), &Selection::All(values.len()))?;
    let mut counts = vec![0u64; groups.len()];
    for (id, count) in groups.ids.iter().zip(tallies.iter().flat_map(|t| t.counts.iter())) {
        counts[*id as usize] += count;
    }
    let mut moments: Option<Moments> = None;
    for m in tallies.iter().filter_map(|t| t.moments) {
        moments.get_or_insert_with(Moments::default).combine(m);
    }
    Ok(Tally {
        values: select::take(values.as_ref(), &UInt32Array::from(groups.first_rows))?,
        counts,
        rows: tallies.iter().map(|t| t.rows).sum(),
        nulls: tallies.iter().map(|t| t.nulls).sum(),
        moments,
    })
}


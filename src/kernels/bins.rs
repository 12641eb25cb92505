//! Numeric bins: a fixed step (bins start at multiples of it), a count of
//! equal-width bins over a domain (the minimum and maximum of the finite
//! values, found first: [`finite_domain`]), or equal-count bins by rank.
//!
//! Two front-ends, one index rule ([`equal_width_index`]): Quiver's `bins`
//! group keys give each value its bin's lower bound; Graphic Walker's `bin`
//! gives a bin index, shown as `[lo, hi]` ([`Bin`]). They differ where the
//! front-ends do: Quiver's bins of a single value are 1 wide and NaN has no
//! bin; Graphic Walker's are 0 wide and NaN falls in bin 0.
//!
//! What must change together: the domain is computed over the rows a step
//! sees (a filter's rows), also when a table is split into partitions
//! (`crate::plan::partition` computes it first, then bins).

use arrow_array::{Array, Float64Array, Int64Array};
use serde::{Deserialize, Serialize};

use super::select::Selection;

/// A bin column holds bin indices; its values are `[lo, hi]` with
/// `lo = index × step + min` and `hi = (index + 1) × step + min`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Bin {
    pub min: f64,
    pub step: f64,
}

impl Bin {
    pub fn bounds(self, index: i64) -> (f64, f64) {
        (index as f64 * self.step + self.min, (index as f64 + 1.0) * self.step + self.min)
    }

    /// The index of a bin given by its lower bound.
    pub fn index_of(self, lo: f64) -> Option<i64> {
        if self.step == 0.0 {
            return (lo == self.min).then_some(0);
        }
        let index = ((lo - self.min) / self.step).round();
        index.is_finite().then_some(index as i64)
    }
}

/// The smallest and largest finite values of the selected rows.
pub fn finite_domain(values: &Float64Array, rows: &Selection) -> Option<(f64, f64)> {
    let (mut min, mut max) = (f64::INFINITY, f64::NEG_INFINITY);
    rows.for_each(|row| {
        let v = values.value(row);
        if values.is_valid(row) && v.is_finite() {
            min = min.min(v);
            max = max.max(v);
        }
    });
    (min <= max).then_some((min, max))
}

/// The bin of `v` among `count` bins of `step` from `min`: the floor of the
/// distance in steps, within 0 ..= count - 1 (the maximum falls in the last
/// bin); a NaN distance (0 / 0 for bins 0 wide) is bin 0.
#[inline]
pub fn equal_width_index(v: f64, min: f64, step: f64, count: usize) -> i64 {
    let index = ((v - min) / step).floor();
    if index.is_nan() {
        0
    } else {
        index.clamp(0.0, (count - 1) as f64) as i64
    }
}

/// Quiver's fixed-step bins: each finite value's bin's lower bound.
pub fn fixed_step(values: &Float64Array, step: f64) -> Float64Array {
    values.iter().map(|v| v.filter(|v| v.is_finite()).map(|v| (v / step).floor() * step)).collect()
}

/// Quiver's `count` equal-width bins over `domain`: each finite value's
/// bin's lower bound, and the bin width (1 when the domain is one value).
pub fn equal_width(values: &Float64Array, count: usize, domain: Option<(f64, f64)>) -> (Float64Array, f64) {
    let Some((min, max)) = domain else {
        return (Float64Array::from(vec![None; values.len()]), 0.0);
    };
    let step = if max > min { (max - min) / count as f64 } else { 1.0 };
    let lower = values
        .iter()
        .map(|v| v.filter(|v| v.is_finite()).map(|v| equal_width_index(v, min, step, count) as f64 * step + min))
        .collect();
    (lower, step)
}

/// Graphic Walker's `bin`: `count` equal-width bins over `domain` (its
/// values with nulls read as 0 by the caller), as bin indices; infinite
/// values have none.
pub fn js_equal_width(values: &Float64Array, count: usize, domain: Option<(f64, f64)>) -> (Int64Array, Bin) {
    let Some((min, max)) = domain else {
        return (Int64Array::from(vec![None; values.len()]), Bin { min: 0.0, step: 0.0 });
    };
    let step = (max - min) / count as f64;
    let indices = values
        .iter()
        .map(|v| {
            let v = v?;
            (!v.is_infinite()).then(|| equal_width_index(v, min, step, count))
        })
        .collect();
    (indices, Bin { min, step })
}

/// Graphic Walker's `binCount`: equal-count bins numbered 1..=count by each
/// selected value's rank (ties in row order); nulls read as 0; rows not
/// selected have none.
pub fn by_rank(values: &Float64Array, rows: &Selection, count: usize) -> Int64Array {
    let mut order: Vec<(f64, usize)> = Vec::with_capacity(rows.len());
    rows.for_each(|row| order.push((if values.is_valid(row) { values.value(row) } else { 0.0 }, row)));
    order.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    let group_size = order.len() as f64 / count as f64;
    let mut out = vec![None; values.len()];
    for (rank, (_, row)) in order.into_iter().enumerate() {
        let index = ((rank as f64 / group_size).floor() as usize).min(count - 1);
        out[row] = Some(index as i64 + 1);
    }
    Int64Array::from(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn count_bins_span_min_to_max() {
        let values = Float64Array::from(vec![Some(0.0), Some(10.0), None, Some(5.0), Some(9.99), Some(f64::NAN)]);
        let rows = Selection::All(values.len());
        let domain = finite_domain(&values, &rows);
        assert_eq!(domain, Some((0.0, 10.0)));
        let (lower, step) = equal_width(&values, 2, domain);
        assert_eq!(step, 5.0);
        assert_eq!(lower.iter().collect::<Vec<_>>(), [Some(0.0), Some(5.0), None, Some(5.0), Some(5.0), None]);
        let lower = fixed_step(&values, 4.0);
        assert_eq!(lower.iter().collect::<Vec<_>>(), [Some(0.0), Some(8.0), None, Some(4.0), Some(8.0), None]);
        // Graphic Walker's: indices, NaN in bin 0, one value 0 wide.
        let (indices, bin) = js_equal_width(&values, 2, domain);
        assert_eq!(indices.iter().collect::<Vec<_>>(), [Some(0), Some(1), None, Some(1), Some(1), Some(0)]);
        assert_eq!(bin, Bin { min: 0.0, step: 5.0 });
        let one = Float64Array::from(vec![3.0, 3.0]);
        assert_eq!(equal_width(&one, 4, Some((3.0, 3.0))).1, 1.0);
        assert_eq!(js_equal_width(&one, 4, Some((3.0, 3.0))).0.values().to_vec(), [0, 0]);
        // Only the selected rows are ranked.
        let ranked = by_rank(&Float64Array::from(vec![Some(5.0), None, Some(1.0), Some(3.0)]), &Selection::Rows(vec![0, 2, 3]), 2);
        assert_eq!(ranked.iter().collect::<Vec<_>>(), [Some(2), None, Some(1), Some(1)]);
    }
}

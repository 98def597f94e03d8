//! The bounding-box pre-filter of [`super::GridIndex`]: a uniform bucket grid over the extent of
//! all boxes, each bucket listing (in ascending order) the boxes that overlap it.
//!
//! Buckets are about the size of the median box, so a point meets a handful of candidates when
//! the grids tile a county; their number is capped at a few per box, so sparse or very uneven
//! data degrade the candidate count, not memory.

use geo::{Coord, Rect};

/// At most this many buckets per box (and never fewer than [`MIN_BUCKETS`] in total).
const BUCKETS_PER_BOX: usize = 4;
const MIN_BUCKETS: usize = 1024;
const MAX_BUCKETS: usize = 1 << 22;

/// Boxes bucketed by a uniform grid, stored compactly: bucket `b` lists
/// `entries[starts[b]..starts[b + 1]]`.
#[derive(Debug, Clone, Default)]
pub(super) struct Buckets {
    /// Lower-left corner of the extent.
    origin: Coord<f64>,
    /// Buckets per degree of longitude and latitude.
    scale: Coord<f64>,
    cols: usize,
    rows: usize,
    /// Extent of all boxes; points outside it meet no bucket.
    extent: Option<Rect<f64>>,
    starts: Vec<usize>,
    entries: Vec<usize>,
}

impl Buckets {
    /// Buckets the boxes; box `i` appears as entry `i`. Boxes must have finite corners.
    pub(super) fn new(boxes: &[Rect<f64>]) -> Self {
        let Some(extent) = extent(boxes) else {
            return Self::default();
        };
        let (width, height) = (extent.width(), extent.height());
        let (cell_w, cell_h) = cell_size(boxes, width, height);
        let cap = (boxes.len() * BUCKETS_PER_BOX).clamp(MIN_BUCKETS, MAX_BUCKETS) as f64;
        let (mut cols, mut rows) = (count(width, cell_w), count(height, cell_h));
        if cols * rows > cap {
            let shrink = (cols * rows / cap).sqrt();
            cols = (cols / shrink).ceil().max(1.0);
            rows = (rows / shrink).ceil().max(1.0);
        }
        let (cols, rows) = (cols as usize, rows as usize);
        let mut buckets = Self {
            origin: extent.min(),
            scale: Coord {
                x: if width > 0.0 {
                    cols as f64 / width
                } else {
                    0.0
                },
                y: if height > 0.0 {
                    rows as f64 / height
                } else {
                    0.0
                },
            },
            cols,
            rows,
            extent: Some(extent),
            starts: vec![0; cols * rows + 1],
            entries: Vec::new(),
        };

        // Count the boxes per bucket, turn the counts into starts, then fill.
        let mut counts = vec![0usize; cols * rows];
        for rect in boxes {
            buckets.for_each_bucket(rect, |b| counts[b] += 1);
        }
        let mut total = 0;
        for (start, count) in buckets.starts.iter_mut().zip(&counts) {
            *start = total;
            total += count;
        }
        if let Some(end) = buckets.starts.last_mut() {
            *end = total;
        }
        let mut next = buckets.starts.clone();
        let mut entries = vec![0; total];
        for (i, rect) in boxes.iter().enumerate() {
            buckets.for_each_bucket(rect, |b| {
                entries[next[b]] = i;
                next[b] += 1;
            });
        }
        buckets.entries = entries;
        buckets
    }

    /// The boxes whose bucket holds the point, ascending; empty outside the extent.
    pub(super) fn candidates(&self, point: Coord<f64>) -> &[usize] {
        let inside = self.extent.is_some_and(|e| {
            (e.min().x..=e.max().x).contains(&point.x) && (e.min().y..=e.max().y).contains(&point.y)
        });
        if !inside {
            return &[];
        }
        let b = self.row(point.y) * self.cols + self.col(point.x);
        match (self.starts.get(b), self.starts.get(b + 1)) {
            (Some(&start), Some(&end)) => self.entries.get(start..end).unwrap_or(&[]),
            _ => &[],
        }
    }

    /// Bytes held on the heap.
    pub(super) fn heap_bytes(&self) -> usize {
        (self.starts.capacity() + self.entries.capacity()) * size_of::<usize>()
    }

    /// Calls `f` with every bucket the box overlaps. The same monotonic arithmetic places points
    /// in [`Self::candidates`], so a point inside a box always lands in one of its buckets.
    fn for_each_bucket(&self, rect: &Rect<f64>, mut f: impl FnMut(usize)) {
        for row in self.row(rect.min().y)..=self.row(rect.max().y) {
            for col in self.col(rect.min().x)..=self.col(rect.max().x) {
                f(row * self.cols + col);
            }
        }
    }

    fn col(&self, x: f64) -> usize {
        cell(x, self.origin.x, self.scale.x, self.cols)
    }

    fn row(&self, y: f64) -> usize {
        cell(y, self.origin.y, self.scale.y, self.rows)
    }
}

/// The bucket (0..count) of a coordinate.
fn cell(value: f64, origin: f64, scale: f64, count: usize) -> usize {
    let last = count.saturating_sub(1) as f64;
    ((value - origin) * scale).floor().clamp(0.0, last) as usize
}

/// The box around all boxes.
fn extent(boxes: &[Rect<f64>]) -> Option<Rect<f64>> {
    let first = boxes.first()?;
    let (mut min, mut max) = (first.min(), first.max());
    for rect in boxes {
        min.x = min.x.min(rect.min().x);
        min.y = min.y.min(rect.min().y);
        max.x = max.x.max(rect.max().x);
        max.y = max.y.max(rect.max().y);
    }
    Some(Rect::new(min, max))
}

/// Bucket width and height: the median box's, or an even split of the extent when boxes are
/// degenerate.
fn cell_size(boxes: &[Rect<f64>], width: f64, height: f64) -> (f64, f64) {
    let even = width.max(height) / (boxes.len() as f64).sqrt();
    let median = |size: fn(&Rect<f64>) -> f64| {
        let mut sizes: Vec<f64> = boxes.iter().map(size).collect();
        let middle = sizes.len() / 2;
        let (_, median, _) = sizes.select_nth_unstable_by(middle, f64::total_cmp);
        if *median > 0.0 { *median } else { even }
    };
    (median(|r| r.width()), median(|r| r.height()))
}

/// How many buckets of `cell` span `length` (at least one).
fn count(length: f64, cell: f64) -> f64 {
    if length > 0.0 && cell > 0.0 {
        (length / cell).ceil().max(1.0)
    } else {
        1.0
    }
}

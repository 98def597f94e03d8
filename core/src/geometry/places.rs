//! Where an outline's problems are: geo's validation says *that* a ring crosses itself or that
//! two rings meet; this module finds *where*, with geo's sweep-line [`Intersections`], and names
//! each place as `[longitude, latitude]` in the coordinate system the outline was given in,
//! together with the input positions (counted before repeated positions were dropped) of the
//! edges that meet there.

use std::collections::HashSet;

use geo::algorithm::sweep::{Cross, Intersections};
use geo::algorithm::validation::{InvalidPolygon, RingRole};
use geo::coordinate_position::{CoordPos, CoordinatePosition};
use geo::{Coord, Line, LineIntersection, Polygon};

use super::read::ReadPolygon;
use crate::coords::{CoordSystem, LonLat, from_wgs84};

/// At most this many places are named for one ring crossing itself; the rest are counted.
const MAX_SELF_PLACES: usize = 100;
/// At most this many places are named in one sentence about two rings or polygons.
const MAX_PAIR_PLACES: usize = 3;

/// An edge of a ring: `ring` is an index into the rings given to [`meetings`], `index` the
/// edge's first position in that ring (after repeated positions were dropped).
#[derive(Debug, Clone, Copy)]
struct Edge {
    line: Line<f64>,
    ring: usize,
    index: usize,
}

impl Cross for Edge {
    type Scalar = f64;

    fn line(&self) -> Line<f64> {
        self.line
    }
}

/// How two edges meet.
#[derive(Debug, Clone, Copy, PartialEq)]
enum How {
    /// They cross inside both edges.
    Cross(Coord<f64>),
    /// They meet at a point that is an end of one of them.
    Touch(Coord<f64>),
    /// They run along each other between two points.
    Overlap(Coord<f64>, Coord<f64>),
}

/// Two edges that meet: (ring, edge index) of each, and how.
#[derive(Debug, Clone, Copy)]
struct Meeting {
    a: (usize, usize),
    b: (usize, usize),
    how: How,
}

/// Where the edges of `rings` meet, each place once, in the order of the edges. Edges of one
/// ring are compared only when `within`; consecutive edges of a ring meeting only at their
/// shared position are not a meeting.
fn meetings(rings: &[&geo::LineString<f64>], within: bool) -> Vec<Meeting> {
    let counts: Vec<usize> = rings.iter().map(|r| r.0.len().saturating_sub(1)).collect();
    let edges = rings.iter().enumerate().flat_map(|(ring, r)| {
        r.lines()
            .enumerate()
            .map(move |(index, line)| Edge { line, ring, index })
    });
    let mut seen = HashSet::new();
    let mut found: Vec<Meeting> = Intersections::from_iter(edges)
        .filter_map(|(x, y, meet)| {
            let (x, y) = if (x.ring, x.index) <= (y.ring, y.index) {
                (x, y)
            } else {
                (y, x)
            };
            if x.ring == y.ring && !within {
                return None;
            }
            let how = match meet {
                LineIntersection::SinglePoint {
                    intersection,
                    is_proper: true,
                } => How::Cross(intersection),
                LineIntersection::SinglePoint { intersection, .. } => {
                    let n = counts[x.ring];
                    let consecutive = x.ring == y.ring
                        && (y.index == x.index + 1 || (x.index == 0 && y.index + 1 == n));
                    if consecutive && (intersection == x.line.end || intersection == x.line.start) {
                        return None;
                    }
                    How::Touch(intersection)
                }
                LineIntersection::Collinear { intersection } => {
                    let (s, e) = (intersection.start, intersection.end);
                    let ordered = (s.x, s.y) <= (e.x, e.y);
                    if ordered {
                        How::Overlap(s, e)
                    } else {
                        How::Overlap(e, s)
                    }
                }
            };
            let key = match how {
                How::Cross(c) | How::Touch(c) => [c.x, c.y, c.x, c.y].map(f64::to_bits),
                How::Overlap(s, e) => [s.x, s.y, e.x, e.y].map(f64::to_bits),
            };
            seen.insert(key).then_some(Meeting {
                a: (x.ring, x.index),
                b: (y.ring, y.index),
                how,
            })
        })
        .collect();
    found.sort_by_key(|m| (m.a, m.b));
    found
}

/// Names places in the input's coordinate system.
#[derive(Debug, Clone, Copy)]
pub(super) struct Namer {
    /// The coordinate system the outline was given in.
    pub shown_in: CoordSystem,
}

impl Namer {
    /// `[lon, lat]` of a WGS-84 coordinate, in the input's system, to 7 decimals (about 1 cm).
    fn at(self, c: Coord<f64>) -> String {
        let p = from_wgs84(LonLat { lon: c.x, lat: c.y }, self.shown_in);
        format!("[{}, {}]", decimal(p.lon), decimal(p.lat))
    }

    fn how(self, how: How) -> String {
        match how {
            How::Cross(c) => format!("at {}", self.at(c)),
            How::Touch(c) => format!("at {}", self.at(c)),
            How::Overlap(s, e) => format!("from {} to {}", self.at(s), self.at(e)),
        }
    }

    /// Sentences for one problem geo's validation found in polygon `p` (as `polygon`).
    pub fn describe(
        self,
        p: &ReadPolygon,
        polygon: &Polygon<f64>,
        error: InvalidPolygon,
    ) -> Vec<String> {
        let pi = p.index;
        let rings: Vec<&geo::LineString<f64>> = std::iter::once(polygon.exterior())
            .chain(polygon.interiors())
            .collect();
        let position =
            |ring: usize, edge: usize| p.rings[ring].input_index.get(edge).copied().unwrap_or(edge);
        match error {
            InvalidPolygon::SelfIntersection(r) => {
                let ri = ring_of(r);
                let found = meetings(&rings[ri..=ri], true);
                if found.is_empty() {
                    return vec![format!(
                        "ring {ri} of polygon {pi} crosses or touches itself"
                    )];
                }
                let mut out: Vec<String> = found
                    .iter()
                    .take(MAX_SELF_PLACES)
                    .map(|m| {
                        let what = match m.how {
                            How::Cross(_) => "crosses itself",
                            How::Touch(_) => "crosses or touches itself",
                            How::Overlap(..) => "runs back along itself",
                        };
                        format!(
                            "ring {ri} of polygon {pi} {what} {} (edges from positions {} and {})",
                            self.how(m.how),
                            position(ri, m.a.1),
                            position(ri, m.b.1)
                        )
                    })
                    .collect();
                if found.len() > MAX_SELF_PLACES {
                    out.push(format!(
                        "ring {ri} of polygon {pi} crosses or touches itself at {} more places",
                        found.len() - MAX_SELF_PLACES
                    ));
                }
                out
            }
            InvalidPolygon::TooFewPointsInRing(r) => vec![format!(
                "ring {} of polygon {pi} has fewer than 3 distinct positions",
                ring_of(r)
            )],
            InvalidPolygon::NonFiniteCoord(r, k) => vec![format!(
                "position {} of ring {} of polygon {pi} is not a finite number",
                k.0,
                ring_of(r)
            )],
            InvalidPolygon::InteriorRingNotContainedInExteriorRing(r) => {
                let ri = ring_of(r);
                let outer = Polygon::new(rings[0].clone(), vec![]);
                let outside = rings[ri]
                    .0
                    .iter()
                    .position(|c| outer.coordinate_position(c) == CoordPos::Outside);
                let place = match outside {
                    Some(k) => format!(
                        ": its position {} {} lies outside",
                        position(ri, k),
                        self.at(rings[ri].0[k])
                    ),
                    None => self.places(
                        ": it crosses ring 0 ",
                        &meetings(&[rings[0], rings[ri]], false),
                    ),
                };
                vec![format!(
                    "ring {ri} of polygon {pi} is a hole that is not inside the polygon's outer \
                     ring (ring 0){place}"
                )]
            }
            InvalidPolygon::IntersectingRingsOnALine(a, b) => {
                let (a, b) = (ring_of(a), ring_of(b));
                let along = meetings(&[rings[a], rings[b]], false);
                let along: Vec<Meeting> = along
                    .into_iter()
                    .filter(|m| matches!(m.how, How::Overlap(..)))
                    .collect();
                vec![format!(
                    "rings {a} and {b} of polygon {pi} share part of their boundary{}",
                    self.places(" ", &along)
                )]
            }
            InvalidPolygon::IntersectingRingsOnAnArea(a, b) => {
                let (a, b) = (ring_of(a), ring_of(b));
                let place = self.overlap_place(
                    (rings[a], &format!("ring {a}")),
                    (rings[b], &format!("ring {b}")),
                    |ring, k| position(if ring == 0 { a } else { b }, k),
                );
                vec![format!(
                    "rings {a} and {b} of polygon {pi} (holes) overlap{place}"
                )]
            }
        }
    }

    /// Where two valid polygons of a MultiPolygon overlap: where their outer rings cross, or a
    /// position of one inside the other.
    pub fn polygons_overlap(
        self,
        (ra, a): (&ReadPolygon, &Polygon<f64>),
        (rb, b): (&ReadPolygon, &Polygon<f64>),
    ) -> String {
        let (pa, pb) = (ra.index, rb.index);
        let place = self.overlap_place(
            (a.exterior(), &format!("polygon {pa}")),
            (b.exterior(), &format!("polygon {pb}")),
            |which, k| {
                let outer = if which == 0 {
                    &ra.rings[0]
                } else {
                    &rb.rings[0]
                };
                outer.input_index.get(k).copied().unwrap_or(k)
            },
        );
        format!("polygons {pa} and {pb} overlap{place}")
    }

    /// Where two valid polygons of a MultiPolygon share part of their boundary.
    pub fn polygons_share(
        self,
        (pa, a): (usize, &Polygon<f64>),
        (pb, b): (usize, &Polygon<f64>),
    ) -> String {
        let rings: Vec<&geo::LineString<f64>> = std::iter::once(a.exterior())
            .chain(a.interiors())
            .chain(std::iter::once(b.exterior()))
            .chain(b.interiors())
            .collect();
        let split = 1 + a.interiors().len();
        let along: Vec<Meeting> = meetings(&rings, false)
            .into_iter()
            .filter(|m| (m.a.0 < split) != (m.b.0 < split) && matches!(m.how, How::Overlap(..)))
            .collect();
        format!(
            "polygons {pa} and {pb} share part of their boundary{}; join them into one polygon",
            self.places(" ", &along)
        )
    }

    /// ": they cross at …", or ": <b> lies inside <a> (its position k [..])", or nothing.
    fn overlap_place(
        self,
        (a, a_name): (&geo::LineString<f64>, &str),
        (b, b_name): (&geo::LineString<f64>, &str),
        position: impl Fn(usize, usize) -> usize,
    ) -> String {
        let crossings: Vec<Meeting> = meetings(&[a, b], false)
            .into_iter()
            .filter(|m| matches!(m.how, How::Cross(_)))
            .collect();
        if !crossings.is_empty() {
            return self.places(": they cross ", &crossings);
        }
        let inside = |inner: &geo::LineString<f64>, outer: &geo::LineString<f64>| {
            let outer = Polygon::new(outer.clone(), vec![]);
            inner
                .0
                .iter()
                .position(|c| outer.coordinate_position(c) == CoordPos::Inside)
        };
        if let Some(k) = inside(b, a) {
            format!(
                ": {b_name} lies inside {a_name} (its position {} {})",
                position(1, k),
                self.at(b.0[k])
            )
        } else if let Some(k) = inside(a, b) {
            format!(
                ": {a_name} lies inside {b_name} (its position {} {})",
                position(0, k),
                self.at(a.0[k])
            )
        } else {
            String::new()
        }
    }

    /// `prefix` and up to [`MAX_PAIR_PLACES`] places ("at […], at […] and 4 more places"), or
    /// nothing when there are none.
    fn places(self, prefix: &str, found: &[Meeting]) -> String {
        if found.is_empty() {
            return String::new();
        }
        let named: Vec<String> = found
            .iter()
            .take(MAX_PAIR_PLACES)
            .map(|m| self.how(m.how))
            .collect();
        let more = found.len().saturating_sub(MAX_PAIR_PLACES);
        let tail = if more > 0 {
            format!(" and {more} more place{}", if more == 1 { "" } else { "s" })
        } else {
            String::new()
        };
        format!("{prefix}{}{tail}", named.join(", "))
    }
}

fn ring_of(role: RingRole) -> usize {
    match role {
        RingRole::Exterior => 0,
        RingRole::Interior(i) => i + 1,
    }
}

/// A number to 7 decimals without trailing zeros.
pub(super) fn decimal(v: f64) -> String {
    let text = format!("{v:.7}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    if text == "-0" {
        "0".to_owned()
    } else {
        text.to_owned()
    }
}

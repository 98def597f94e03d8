//! What a step checks about the things its input names: the unit a transfer goes to, the
//! photos of a resolution, the original of a duplicate.

use serde_json::{Value, json};

use super::super::Refusal;
use super::super::evidence::{self, EvidenceFacts};
use super::super::transition::{Doer, Original};
use super::{Step, invalid};
use crate::coords::LonLat;
use crate::{Role, Unit, UnitKind};

/// The unit a transfer goes to: named, active, not the one holding the report, (unless an
/// admin transfers) in the report's county, and for a mediation case not a volunteer team
/// (parties' details stay with mediators).
pub(super) fn destination<'a>(step: &Step<'a>) -> Result<&'a Unit, Refusal> {
    let id = step
        .input
        .unit_id
        .ok_or_else(|| invalid("unit_id", "name the unit"))?;
    if step.unit() == Some(id) {
        return Err(invalid("unit_id", "the report is already with this unit"));
    }
    let target = step
        .loaded
        .destination
        .as_ref()
        .filter(|d| d.unit.id == id && d.unit.active)
        .ok_or_else(|| invalid("unit_id", format!("no active unit {id}")))?;
    if step.loaded.facts.mediation && target.unit.kind == UnitKind::VolunteerTeam {
        return Err(invalid(
            "unit_id",
            "a mediation case stays with mediators: volunteer teams do not take disputes",
        ));
    }
    let admin = matches!(
        step.doer,
        Doer::Person {
            role: Role::Admin,
            ..
        }
    );
    if !admin && county_of(&target.region_path) != county_of(&step.before.region_path) {
        return Err(invalid(
            "unit_id",
            "the unit is outside the report's county",
        ));
    }
    Ok(&target.unit)
}

/// The top of a materialised region path (`/<root>/…/`): the deployment's county.
fn county_of(path: &str) -> &str {
    path.trim_start_matches('/')
        .split('/')
        .next()
        .unwrap_or_default()
}

/// The `resolved` event's details: each photo's evidence flags. Refuses a resolution
/// without a photo when the category needs one, and a photo that is not the doer's own
/// unattached upload.
pub(super) fn evidence_details(step: &Step<'_>) -> Result<Value, Refusal> {
    let (before, loaded) = (step.before, step.loaded);
    let ids = &step.input.media_ids;
    if ids.is_empty() && loaded.category.evidence_required {
        return Err(Refusal::EvidenceRequired {
            category: loaded.category.name.clone(),
        });
    }
    let mut checks = Vec::with_capacity(ids.len());
    let mut suspect = false;
    for id in ids {
        let photo =
            loaded.photos.iter().find(|p| p.id == *id).ok_or_else(|| {
                invalid("media_ids", format!("no unattached photo {id} of yours"))
            })?;
        let check = evidence::check(
            &EvidenceFacts {
                reported_at: before.created_at,
                report_at: before.location.map(|l| LonLat {
                    lon: l.lon,
                    lat: l.lat,
                }),
                captured_at: photo.captured_at,
                photo_at: photo.at,
            },
            step.policy.evidence_max_distance_m,
        );
        suspect |= !check.flags.is_empty();
        checks.push(json!({ "media_id": id, "flags": check.flags,
                            "distance_m": check.distance_m, "captured_at": photo.captured_at }));
    }
    Ok(json!({ "media_ids": ids, "evidence_suspect": suspect, "evidence": checks }))
}

/// The report named as the original of a duplicate; `None` when none is named.
pub(super) fn original<'a>(step: &Step<'a>) -> Result<Option<&'a Original>, Refusal> {
    let Some(named) = step.input.duplicate_of.as_deref() else {
        return Ok(None);
    };
    match &step.loaded.original {
        Some(original) if original.id != step.before.id => Ok(Some(original)),
        Some(_) => Err(invalid("duplicate_of", "a report cannot duplicate itself")),
        None => Err(invalid("duplicate_of", format!("no report {named}"))),
    }
}

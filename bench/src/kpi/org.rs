//! The county the reports are made in: `route-bench`'s synthetic organisation (1 county, 20
//! townships, 500 villages, 5,000 villager groups, 10,000 grids, 10,585 units, 41 rules) turned
//! into rows — regions with their materialised paths and GB/T-like codes, grid outlines as the
//! server stores them, units, rules, categories with time limits — plus the look-ups the report
//! generator needs (each grid's region, path, team, committee and township offices).

use std::collections::HashMap;

use anyhow::{Context, anyhow};
use chrono::NaiveDateTime;
use cunxiang_bench::synth::{self, YUJIANG, org::SyntheticOrg};
use cunxiang_core::geometry::validate_outline;
use cunxiang_core::{RegionLevel, UnitId, UnitKind};
use indicatif::ProgressBar;
use uuid::Uuid;

use super::schema::{CategoryRow, GridRow, RegionRow, RuleRow, UnitRow};

/// The lattice of grids (as `route-bench`).
const COLS: usize = 100;
const ROWS: usize = 100;
/// Seeds of the lattice and the organisation.
const LATTICE_SEED: u64 = 0x0C0F_FEE5;
const ORG_SEED: u64 = 0x0C0F_FEE7;
/// The county's code and case-number prefix.
pub const COUNTY_CODE: &str = "360603";
/// Prefix of every case number.
pub const CASE_PREFIX: &str = "YJ";

/// A category as the generator uses it: code, share of reports, limits in minutes, and the
/// median minutes from acceptance to resolution.
#[derive(Debug, Clone, Copy)]
pub struct CategorySpec {
    /// Category code.
    pub code: &'static str,
    /// Share of all reports.
    pub share: f64,
    /// Accept limit, minutes.
    pub accept_minutes: i64,
    /// Resolve limit (from acceptance), minutes.
    pub resolve_minutes: i64,
    /// Short descriptions to pick from.
    pub descriptions: [&'static str; 3],
}

/// The six categories of the synthetic county, with their limits. The resolve times are drawn so
/// that 90 % of each category's resolutions are within its limit.
pub const CATEGORIES: [CategorySpec; 6] = [
    CategorySpec {
        code: "garbage",
        share: 0.35,
        accept_minutes: 60,
        resolve_minutes: 720,
        descriptions: ["路边垃圾堆放", "垃圾桶满溢", "河道漂浮垃圾"],
    },
    CategorySpec {
        code: "dispute",
        share: 0.10,
        accept_minutes: 60,
        resolve_minutes: 4320,
        descriptions: ["邻里宅基地纠纷", "土地承包纠纷", "噪音扰民"],
    },
    CategorySpec {
        code: "road",
        share: 0.15,
        accept_minutes: 120,
        resolve_minutes: 2880,
        descriptions: ["路面坑洼", "桥梁护栏损坏", "道路积水"],
    },
    CategorySpec {
        code: "safety",
        share: 0.10,
        accept_minutes: 30,
        resolve_minutes: 1440,
        descriptions: ["电线私拉乱接", "危房安全隐患", "消防通道堵塞"],
    },
    CategorySpec {
        code: "other",
        share: 0.25,
        accept_minutes: 240,
        resolve_minutes: 1440,
        descriptions: ["路灯不亮", "公共设施损坏", "其他问题"],
    },
    CategorySpec {
        code: "flood",
        share: 0.05,
        accept_minutes: 30,
        resolve_minutes: 720,
        descriptions: ["沟渠堵塞", "堤坝渗水", "低洼积水"],
    },
];

/// Where a report in a grid goes: the grid, its region and the units of each level.
#[derive(Debug, Clone)]
pub struct GridPlace {
    /// Grid id.
    pub grid: String,
    /// The grid's region (villager group or village), its path and level.
    pub region: String,
    /// Materialised path of `region`.
    pub path: String,
    /// `group` or `village`.
    pub level: &'static str,
    /// Centre of the grid's bounding box (WGS-84).
    pub centre: (f64, f64),
    /// Half the bounding box's size in degrees (lon, lat).
    pub half: (f64, f64),
    /// The grid team.
    pub team: String,
    /// The village committee.
    pub committee: String,
    /// Index into [`County::townships`].
    pub township: usize,
}

/// A township: its region, path, code and offices.
#[derive(Debug, Clone)]
pub struct Township {
    /// Region id.
    pub id: String,
    /// Materialised path.
    pub path: String,
    /// 综治中心.
    pub governance: String,
    /// 交通站.
    pub transport: String,
}

/// The county as rows, and the look-ups for placing reports.
pub struct County {
    /// Regions, parents first.
    pub regions: Vec<RegionRow>,
    /// Grids.
    pub grids: Vec<GridRow>,
    /// Units.
    pub units: Vec<UnitRow>,
    /// Categories.
    pub categories: Vec<CategoryRow>,
    /// Routing rules.
    pub rules: Vec<RuleRow>,
    /// One entry per grid.
    pub places: Vec<GridPlace>,
    /// The townships, in order.
    pub townships: Vec<Township>,
    /// The county water bureau (floods).
    pub water: String,
}

fn level_str(level: RegionLevel) -> &'static str {
    level.as_str()
}

fn kind_str(kind: UnitKind) -> &'static str {
    kind.as_str()
}

/// Builds the county; every row carries `at` as its creation time.
pub fn county(at: NaiveDateTime) -> anyhow::Result<County> {
    let bar = ProgressBar::hidden();
    let cells = synth::lattice(YUJIANG, COLS, ROWS, LATTICE_SEED, &bar);
    let org: SyntheticOrg = synth::org::organisation(&cells, COLS, ROWS, ORG_SEED);

    // Regions (parents come before children in `org.regions`): paths and codes.
    let mut path_of: HashMap<Uuid, String> = HashMap::new();
    let mut level_of: HashMap<Uuid, RegionLevel> = HashMap::new();
    let mut parent_of: HashMap<Uuid, Uuid> = HashMap::new();
    let mut code_of: HashMap<Uuid, String> = HashMap::new();
    let mut children: HashMap<Uuid, usize> = HashMap::new();
    let mut regions = Vec::with_capacity(org.regions.len());
    let mut county_id = None;
    for r in &org.regions {
        let parent_path = match r.parent_id {
            Some(p) => path_of
                .get(&p)
                .cloned()
                .with_context(|| format!("region {} comes before its parent", r.name))?,
            None => "/".to_owned(),
        };
        let path = format!("{parent_path}{}/", r.id);
        let code = match (r.level, r.parent_id) {
            (RegionLevel::County, _) => Some(COUNTY_CODE.to_owned()),
            (RegionLevel::Township | RegionLevel::Village, Some(p)) => {
                let n = children.entry(p).or_insert(0);
                *n += 1;
                let parent = code_of.get(&p).cloned().unwrap_or_default();
                Some(if r.level == RegionLevel::Township {
                    format!("{parent}{:03}", 100 + *n)
                } else {
                    format!("{parent}{n:03}")
                })
            }
            _ => None,
        };
        if r.level == RegionLevel::County {
            county_id = Some(r.id);
        }
        if let Some(c) = &code {
            code_of.insert(r.id, c.clone());
        }
        if let Some(p) = r.parent_id {
            parent_of.insert(r.id, p);
        }
        path_of.insert(r.id, path.clone());
        level_of.insert(r.id, r.level);
        regions.push(RegionRow {
            id: r.id.to_string(),
            code,
            name: r.name.clone(),
            level: level_str(r.level),
            parent_id: r.parent_id.map(|p| p.to_string()),
            path,
            created_at: at,
            case_prefix: (r.level == RegionLevel::County).then(|| CASE_PREFIX.to_owned()),
        });
    }
    let county_id = county_id.context("the organisation has no county")?;
    let township_of = |mut id: Uuid| -> anyhow::Result<Uuid> {
        while level_of.get(&id) != Some(&RegionLevel::Township) {
            id = *parent_of
                .get(&id)
                .with_context(|| format!("region {id} is not under a township"))?;
        }
        Ok(id)
    };

    // Units, and per region the offices.
    let mut team_of_grid: HashMap<Uuid, (UnitId, String)> = HashMap::new();
    let mut committee_of: HashMap<Uuid, UnitId> = HashMap::new();
    let mut offices: HashMap<(Uuid, String), UnitId> = HashMap::new();
    let mut units = Vec::with_capacity(org.units.len());
    for u in &org.units {
        match u.kind {
            UnitKind::GridTeam => {
                if let Some(g) = u.grid_id {
                    team_of_grid.insert(g, (u.id, u.name.clone()));
                }
            }
            UnitKind::VillageCommittee => {
                committee_of.insert(u.region_id, u.id);
            }
            _ => {
                if let Some(d) = &u.department {
                    offices.insert((u.region_id, d.clone()), u.id);
                }
            }
        }
        units.push(UnitRow {
            id: u.id.to_string(),
            name: u.name.clone(),
            kind: kind_str(u.kind),
            region_id: u.region_id.to_string(),
            grid_id: u.grid_id.map(|g| g.to_string()),
            department: u.department.clone(),
            created_at: at,
            active: u.active,
        });
    }
    let office = |region: Uuid, line: &str| -> anyhow::Result<String> {
        offices
            .get(&(region, line.to_owned()))
            .map(UnitId::to_string)
            .with_context(|| format!("no {line} office in region {region}"))
    };

    // Townships in order.
    let mut townships = Vec::new();
    let mut township_index: HashMap<Uuid, usize> = HashMap::new();
    for r in org
        .regions
        .iter()
        .filter(|r| r.level == RegionLevel::Township)
    {
        township_index.insert(r.id, townships.len());
        townships.push(Township {
            id: r.id.to_string(),
            path: path_of.get(&r.id).cloned().unwrap_or_default(),
            governance: office(r.id, "governance")?,
            transport: office(r.id, "transport")?,
        });
    }

    // Grids: outlines checked and stored as an upload would be.
    let mut grids = Vec::with_capacity(cells.len());
    let mut places = Vec::with_capacity(cells.len());
    for (id, polygon) in &cells {
        let value = serde_json::to_value(geojson::Geometry::from(polygon))?;
        let valid = validate_outline(&value)
            .map_err(|problems| anyhow!("grid {id}: {}", problems.join("; ")))?;
        let region = *org
            .region_of
            .get(id)
            .with_context(|| format!("grid {id} has no region"))?;
        let (team, team_name) = team_of_grid
            .get(id)
            .cloned()
            .with_context(|| format!("grid {id} has no team"))?;
        let village = match level_of.get(&region) {
            Some(RegionLevel::Group) => *parent_of.get(&region).context("a group has no parent")?,
            _ => region,
        };
        let committee = committee_of
            .get(&village)
            .with_context(|| format!("village {village} has no committee"))?;
        let township = township_of(region)?;
        let b = valid.bbox;
        grids.push(GridRow {
            id: id.to_string(),
            name: team_name.trim_end_matches("工作组").to_owned(),
            region_id: region.to_string(),
            geometry: valid.geojson,
            min_lon: b.min_lon,
            min_lat: b.min_lat,
            max_lon: b.max_lon,
            max_lat: b.max_lat,
            created_at: at,
            updated_at: at,
            active: true,
        });
        places.push(GridPlace {
            grid: id.to_string(),
            region: region.to_string(),
            path: path_of.get(&region).cloned().unwrap_or_default(),
            level: level_of.get(&region).map_or("village", |l| level_str(*l)),
            centre: ((b.min_lon + b.max_lon) / 2.0, (b.min_lat + b.max_lat) / 2.0),
            half: ((b.max_lon - b.min_lon) / 4.0, (b.max_lat - b.min_lat) / 4.0),
            team: team.to_string(),
            committee: committee.to_string(),
            township: *township_index
                .get(&township)
                .context("a grid's township is unknown")?,
        });
    }

    let specs: HashMap<&str, &CategorySpec> = CATEGORIES.iter().map(|c| (c.code, c)).collect();
    let categories = org
        .categories
        .iter()
        .map(|c| {
            let spec = specs.get(c.code.as_str());
            CategoryRow {
                code: c.code.clone(),
                name: c.name.clone(),
                name_en: c.name_en.clone(),
                start_level: level_str(c.start_level),
                accept_within_minutes: spec.map_or(60, |s| s.accept_minutes as i32),
                resolve_within_minutes: spec.map_or(1440, |s| s.resolve_minutes as i32),
                evidence_required: c.evidence_required,
                department: c.department.clone(),
                sort_order: c.sort_order,
                active: c.active,
                created_at: at,
                public: c.code != "dispute",
            }
        })
        .collect();
    let rules = org
        .rules
        .iter()
        .map(|r| RuleRow {
            id: r.id.to_string(),
            number: r.number,
            category_code: r.category.clone(),
            region_id: r.region_id.to_string(),
            unit_id: r.unit_id.to_string(),
            active: r.active,
            created_at: at,
            updated_at: at,
        })
        .collect();
    Ok(County {
        regions,
        grids,
        units,
        categories,
        rules,
        places,
        townships,
        water: office(county_id, "water")?,
    })
}

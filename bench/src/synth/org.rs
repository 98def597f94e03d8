//! A synthetic organisation around the lattice's grids, shaped like a real county: one county,
//! 20 townships (blocks of 20 × 25 grids), villages of 4 × 5 grids, villager groups in every
//! other village, a team per grid, a committee per village, four offices per township, five
//! county departments, a few dozen routing rules and supervisors at county, townships and some
//! villages. A few units are disabled, as in real data.

use std::collections::{HashMap, HashSet};

use cunxiang_core::routing::RoutingRule;
use cunxiang_core::{Category, Region, RegionLevel, Unit, UnitId, UnitKind};
use geo::Polygon;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use uuid::Uuid;

/// Townships across and down the lattice.
const TOWNSHIPS_ACROSS: usize = 5;
const TOWNSHIPS_DOWN: usize = 4;
/// A village is this many grids wide and high (20 grids).
const VILLAGE_COLS: usize = 4;
const VILLAGE_ROWS: usize = 5;
/// Share of grid teams and village committees that are disabled.
const DISABLED: f64 = 0.01;
/// Share of villages whose committee has a supervisor.
const SUPERVISED_VILLAGES: f64 = 0.05;

/// The townships' offices: name suffix and line of work.
const TOWNSHIP_OFFICES: [(&str, &str); 4] = [
    ("综治中心", "governance"),
    ("交通站", "transport"),
    ("农业站", "farming"),
    ("环卫所", "sanitation"),
];
/// The county departments.
const COUNTY_DEPARTMENTS: [(&str, &str); 5] = [
    ("综治中心", "governance"),
    ("交通运输局", "transport"),
    ("水利局", "water"),
    ("司法局", "justice"),
    ("城管局", "sanitation"),
];

/// Everything routing needs, as storage would load it, plus each grid's region and the
/// categories reports use.
#[derive(Debug, Clone)]
pub struct SyntheticOrg {
    /// County, townships, villages and villager groups.
    pub regions: Vec<Region>,
    /// Grid teams, village committees, township offices and county departments.
    pub units: Vec<Unit>,
    /// The routing rules, a few of them disabled.
    pub rules: Vec<RoutingRule>,
    /// Regions whose units have a supervisor.
    pub supervised: HashSet<Uuid>,
    /// Each grid's region (its villager group, or its village).
    pub region_of: HashMap<Uuid, Uuid>,
    /// Categories starting at every level of the ladder.
    pub categories: Vec<Category>,
}

struct Builder {
    rng: StdRng,
    org: SyntheticOrg,
}

impl Builder {
    fn id(&mut self) -> Uuid {
        Uuid::from_u128(self.rng.random())
    }

    fn region(&mut self, name: String, level: RegionLevel, parent: Option<Uuid>) -> Uuid {
        let id = self.id();
        self.org.regions.push(Region {
            id,
            code: None,
            name,
            level,
            parent_id: parent,
            created_at: Default::default(),
        });
        id
    }

    fn unit(&mut self, name: String, kind: UnitKind, region: Uuid, line: Option<&str>) -> UnitId {
        let id = UnitId(self.id());
        let active = match kind {
            UnitKind::GridTeam | UnitKind::VillageCommittee => !self.rng.random_bool(DISABLED),
            _ => true,
        };
        self.org.units.push(Unit {
            id,
            name,
            kind,
            region_id: region,
            grid_id: None,
            department: line.map(str::to_owned),
            created_at: Default::default(),
            active,
        });
        id
    }

    fn rule(&mut self, category: Option<&str>, region: Uuid, unit: UnitId, active: bool) {
        let id = self.id();
        let number = self.org.rules.len() as i64 + 1;
        self.org.rules.push(RoutingRule {
            id,
            number,
            category: category.map(str::to_owned),
            region_id: region,
            unit_id: unit,
            active,
        });
    }
}

/// Builds the organisation around `cells`, the `cols × rows` lattice from
/// [`super::lattice`] (row by row), with random ids drawn from `seed`.
pub fn organisation(
    cells: &[(Uuid, Polygon<f64>)],
    cols: usize,
    rows: usize,
    seed: u64,
) -> SyntheticOrg {
    let mut b = Builder {
        rng: StdRng::seed_from_u64(seed),
        org: SyntheticOrg {
            regions: Vec::new(),
            units: Vec::new(),
            rules: Vec::new(),
            supervised: HashSet::new(),
            region_of: HashMap::with_capacity(cells.len()),
            categories: categories(),
        },
    };
    let county = b.region("余江区".to_owned(), RegionLevel::County, None);
    b.org.supervised.insert(county);
    let mut departments = HashMap::new();
    for (name, line) in COUNTY_DEPARTMENTS {
        let unit = b.unit(
            format!("余江区{name}"),
            UnitKind::CountyDepartment,
            county,
            Some(line),
        );
        departments.insert(line, unit);
    }

    // Townships, each with its offices (by line of work).
    let mut townships = Vec::new();
    for t in 0..TOWNSHIPS_ACROSS * TOWNSHIPS_DOWN {
        let name = format!("第{:02}镇", t + 1);
        let township = b.region(name.clone(), RegionLevel::Township, Some(county));
        b.org.supervised.insert(township);
        let offices: HashMap<&str, UnitId> = TOWNSHIP_OFFICES
            .iter()
            .map(|&(office, line)| {
                let unit = format!("{name}{office}");
                (
                    line,
                    b.unit(unit, UnitKind::TownshipOffice, township, Some(line)),
                )
            })
            .collect();
        townships.push((township, name, offices));
    }

    // Villages over blocks of grids; every other one is divided into villager groups.
    let (village_cols, village_rows) = (cols.div_ceil(VILLAGE_COLS), rows.div_ceil(VILLAGE_ROWS));
    let (township_w, township_h) = (
        cols.div_ceil(TOWNSHIPS_ACROSS).max(1),
        rows.div_ceil(TOWNSHIPS_DOWN).max(1),
    );
    let mut villages = Vec::with_capacity(village_cols * village_rows);
    for vr in 0..village_rows {
        for vc in 0..village_cols {
            let t = (vr * VILLAGE_ROWS / township_h) * TOWNSHIPS_ACROSS
                + vc * VILLAGE_COLS / township_w;
            let (township, township_name, _) = &townships[t.min(townships.len() - 1)];
            let (township, name) = (
                *township,
                format!("{township_name}第{:02}村", vc + vr * village_cols),
            );
            let village = b.region(name.clone(), RegionLevel::Village, Some(township));
            let committee = b.unit(
                format!("{name}村民委员会"),
                UnitKind::VillageCommittee,
                village,
                None,
            );
            if b.rng.random_bool(SUPERVISED_VILLAGES) {
                b.org.supervised.insert(village);
            }
            villages.push((village, name, committee, t.min(townships.len() - 1)));
        }
    }
    for (i, (grid, _)) in cells.iter().enumerate() {
        let (r, c) = (i / cols, i % cols);
        let v = (r / VILLAGE_ROWS) * village_cols + c / VILLAGE_COLS;
        let (village, village_name, _, _) = villages[v].clone();
        let n = (r % VILLAGE_ROWS) * VILLAGE_COLS + c % VILLAGE_COLS + 1;
        let region = if v.is_multiple_of(2) {
            b.region(
                format!("{village_name}第{n}组"),
                RegionLevel::Group,
                Some(village),
            )
        } else {
            village
        };
        b.org.region_of.insert(*grid, region);
        let team = format!("{village_name}第{n}网格工作组");
        b.unit(team, UnitKind::GridTeam, region, None);
        if let Some(unit) = b.org.units.last_mut() {
            unit.grid_id = Some(*grid);
        }
    }

    // Rules: roads go to each township's 交通站; some villages take everything themselves;
    // in some villages the township's 环卫所 collects garbage; floods go to the water bureau;
    // a few old rules are disabled.
    for (township, _, offices) in townships.clone() {
        if let Some(&station) = offices.get("transport") {
            b.rule(Some("road"), township, station, true);
        }
    }
    for k in 0..20 {
        let (village, _, committee, t) = villages[b.rng.random_range(0..villages.len())].clone();
        match k % 5 {
            0 | 1 => b.rule(None, village, committee, true),
            2 | 3 => {
                if let Some(&sanitation) = townships[t].2.get("sanitation") {
                    b.rule(Some("garbage"), village, sanitation, true);
                }
            }
            _ => {
                if let Some(&justice) = departments.get("justice") {
                    b.rule(Some("other"), village, justice, false);
                }
            }
        }
    }
    if let Some(&water) = departments.get("water") {
        b.rule(Some("flood"), county, water, true);
    }
    b.org
}

fn categories() -> Vec<Category> {
    [
        (
            "garbage",
            "垃圾清运",
            RegionLevel::Group,
            Some("sanitation"),
        ),
        ("dispute", "矛盾纠纷", RegionLevel::Village, Some("justice")),
        ("road", "道路桥梁", RegionLevel::Township, Some("transport")),
        (
            "safety",
            "安全隐患",
            RegionLevel::Township,
            Some("governance"),
        ),
        ("other", "其他", RegionLevel::Township, None),
        ("flood", "防汛", RegionLevel::County, Some("water")),
    ]
    .into_iter()
    .enumerate()
    .map(|(i, (code, name, level, line))| Category {
        code: code.to_owned(),
        name: name.to_owned(),
        name_en: code.to_owned(),
        start_level: level,
        accept_within_minutes: 60,
        resolve_within_minutes: 24 * 60,
        evidence_required: true,
        department: line.map(str::to_owned),
        sort_order: i as i32,
        active: true,
        public: true,
        workflow: Default::default(),
    })
    .collect()
}

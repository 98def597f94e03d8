//! The demo county's report categories: their starting level, time limits, evidence rule,
//! line of work, publicity and workflow (the five dispute kinds are mediation cases).

use cunxiang_core::{Category, RegionLevel, Workflow};

/// The demo categories worked as mediation cases (矛盾纠纷): private, mediated by the
/// 调委会 on the ladder, one month to conclude (人民调解 is normally concluded within 30 days)
/// — except `dispute` (neighbours), which the demo has always given three days.
const MEDIATED: [&str; 5] = ["dispute", "family", "land", "wages", "damages"];

/// Demo categories that are not public besides the mediated ones: a 求助 of an elder living
/// alone stays between her and those who help.
const PRIVATE: [&str; 1] = ["help"];

/// The demo categories with their starting level and time limits.
pub fn categories() -> Vec<Category> {
    let c = |code: &str,
             name: &str,
             name_en: &str,
             start_level,
             accept,
             resolve,
             evidence,
             department: Option<&str>,
             sort_order| Category {
        code: code.into(),
        name: name.into(),
        name_en: name_en.into(),
        start_level,
        accept_within_minutes: accept,
        resolve_within_minutes: resolve,
        evidence_required: evidence,
        department: department.map(str::to_owned),
        sort_order,
        active: true,
        // Disputes are mediated, and stay between the parties and the staff.
        public: !MEDIATED.contains(&code) && !PRIVATE.contains(&code),
        workflow: if MEDIATED.contains(&code) {
            Workflow::Mediation
        } else {
            Workflow::Standard
        },
    };
    use RegionLevel::{Group, Township, Village};
    vec![
        c(
            "garbage",
            "垃圾清运",
            "Rubbish and litter",
            Group,
            30,
            240,
            true,
            Some("sanitation"),
            10,
        ),
        c(
            "road",
            "道路桥梁",
            "Roads and bridges",
            Village,
            60,
            1440,
            true,
            Some("transport"),
            20,
        ),
        c(
            "dispute",
            "矛盾纠纷",
            "Neighbour disputes",
            Village,
            60,
            4320,
            false,
            Some("justice"),
            30,
        ),
        c(
            "family",
            "婚姻家庭",
            "Marriage and family disputes",
            Village,
            1440,
            43200,
            false,
            Some("justice"),
            31,
        ),
        c(
            "land",
            "土地山林",
            "Land and forest disputes",
            Village,
            1440,
            43200,
            false,
            Some("justice"),
            32,
        ),
        c(
            "wages",
            "劳资纠纷",
            "Unpaid wages",
            Village,
            1440,
            43200,
            false,
            Some("justice"),
            33,
        ),
        c(
            "damages",
            "损害赔偿",
            "Damage and compensation disputes",
            Village,
            1440,
            43200,
            false,
            Some("justice"),
            34,
        ),
        c(
            "water",
            "水利沟渠",
            "Ditches and water works",
            Village,
            120,
            2880,
            true,
            Some("water"),
            40,
        ),
        c(
            "streetlight",
            "路灯照明",
            "Street lights",
            Village,
            240,
            4320,
            true,
            None,
            50,
        ),
        c(
            "safety",
            "安全隐患",
            "Safety hazards",
            Township,
            30,
            480,
            true,
            Some("governance"),
            60,
        ),
        c(
            "help",
            "求助帮扶",
            "Help for elders living alone",
            Village,
            30,
            480,
            false,
            None,
            70,
        ),
        c(
            "other",
            "其他事项",
            "Other",
            Group,
            240,
            4320,
            false,
            None,
            90,
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_categories_are_valid() {
        for category in categories() {
            assert_eq!(category.validate(), Ok(()), "{}", category.code);
        }
    }

    #[test]
    fn the_five_dispute_kinds_are_private_mediation_cases() {
        let mediated: Vec<(String, bool)> = categories()
            .into_iter()
            .filter(|c| c.workflow == Workflow::Mediation)
            .map(|c| (c.code, c.public))
            .collect();
        let codes: Vec<&str> = mediated.iter().map(|(c, _)| c.as_str()).collect();
        assert_eq!(codes, ["dispute", "family", "land", "wages", "damages"]);
        assert!(mediated.iter().all(|(_, public)| !public));
    }
}

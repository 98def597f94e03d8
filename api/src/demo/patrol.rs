//! The demo county's patrol checklist (网格员每周巡查清单): 8 sections of 3 items, modelled on
//! the task lists townships give their grid workers, each item naming the category a problem
//! found becomes; every demo grid is patrolled against it weekly.

use cunxiang_core::patrol::{Frequency, ItemDefinition, check_checklist};
use cunxiang_storage::DbConn;
use uuid::Uuid;

/// The checklist's name.
pub const CHECKLIST_NAME: &str = "网格员每周巡查清单";

/// (section, [(title, instruction, category)]).
type Section = (
    &'static str,
    [(&'static str, &'static str, &'static str); 3],
);

const SECTIONS: [Section; 8] = [
    (
        "安全隐患",
        [
            (
                "房屋安全",
                "查看老旧房屋、空置房有无墙体开裂、倾斜、屋顶塌陷",
                "safety",
            ),
            (
                "用电用气",
                "查看私拉乱接电线、充电桩飞线、液化气瓶存放",
                "safety",
            ),
            (
                "消防通道",
                "查看消防通道是否堵塞、灭火器是否在有效期内",
                "safety",
            ),
        ],
    ),
    (
        "环境卫生",
        [
            (
                "垃圾收集点",
                "查看垃圾桶是否满溢、收集点周边是否散落垃圾",
                "garbage",
            ),
            ("河塘沟渠", "查看水面漂浮物、岸边垃圾和异味", "water"),
            (
                "乱堆乱放",
                "查看房前屋后、路边有无柴草杂物和建筑垃圾堆放",
                "garbage",
            ),
        ],
    ),
    (
        "道路交通",
        [
            ("路面", "查看村道有无坑洼、塌陷、积水", "road"),
            ("桥梁护栏", "查看桥梁护栏、警示标志是否完好", "road"),
            ("路灯", "查看路灯是否亮、灯杆是否倾斜", "streetlight"),
        ],
    ),
    (
        "水利防汛",
        [
            ("沟渠畅通", "查看灌溉沟渠、排水沟有无堵塞", "water"),
            ("塘坝堤岸", "查看山塘、堤坝有无渗漏、裂缝、滑坡", "water"),
            ("防溺水设施", "查看水塘边警示牌、救生圈是否齐全", "safety"),
        ],
    ),
    (
        "矛盾纠纷排查",
        [
            (
                "邻里矛盾",
                "走访了解邻里、家庭之间有无争吵和积怨苗头",
                "dispute",
            ),
            ("土地山林", "了解宅基地、承包地、山林边界有无争议", "land"),
            ("劳资欠薪", "了解在村务工人员有无被拖欠工资", "wages"),
        ],
    ),
    (
        "重点人群走访",
        [
            (
                "独居老人",
                "上门看望独居、空巢老人，了解身体和生活情况",
                "other",
            ),
            ("留守儿童", "了解留守儿童上学、监护情况", "other"),
            (
                "困难家庭",
                "走访低保、残疾人等困难家庭，了解急难诉求",
                "other",
            ),
        ],
    ),
    (
        "社会治安",
        [
            ("可疑人员车辆", "留意陌生人员、车辆长时间逗留", "safety"),
            ("防诈宣传", "向老人宣传防范电信诈骗、非法集资", "other"),
            ("治安设施", "查看监控探头、宣传栏是否完好", "other"),
        ],
    ),
    (
        "公共设施",
        [
            ("健身场所", "查看健身器材、活动广场设施是否损坏", "other"),
            ("饮水设施", "查看集中供水点、水井水质和设施", "water"),
            ("公共厕所", "查看公厕卫生、设施是否完好", "garbage"),
        ],
    ),
];

/// The checklist's items, in order.
pub fn items() -> Vec<ItemDefinition> {
    SECTIONS
        .iter()
        .flat_map(|(section, items)| {
            items
                .iter()
                .map(move |(title, instruction, category)| ItemDefinition {
                    section: (*section).to_owned(),
                    title: (*title).to_owned(),
                    instruction: (*instruction).to_owned(),
                    category: (*category).to_owned(),
                })
        })
        .collect()
}

/// Stores the checklist for the county `county_id` and schedules every active grid weekly;
/// the number of items.
pub(super) fn seed_checklist(conn: &mut DbConn, county_id: Uuid) -> anyhow::Result<usize> {
    let items = items();
    let codes: Vec<String> = super::categories().into_iter().map(|c| c.code).collect();
    check_checklist(CHECKLIST_NAME, &items, |c| codes.iter().any(|k| k == c))
        .map_err(|bad| anyhow::anyhow!("demo checklist {}: {}", bad.field, bad.message))?;
    let now = cunxiang_storage::time::now();
    let id = cunxiang_storage::patrols::insert(conn, CHECKLIST_NAME, county_id, &items, now)?;
    for (grid, _, _) in cunxiang_storage::routing::active_grid_outlines(conn)? {
        cunxiang_storage::patrols::schedule(conn, id, grid, Frequency::Weekly, now)?;
    }
    Ok(items.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eight_sections_of_three_items_each_naming_a_demo_category() {
        let items = items();
        assert_eq!(items.len(), 24);
        let mut sections: Vec<&str> = items.iter().map(|i| i.section.as_str()).collect();
        sections.dedup();
        assert_eq!(sections.len(), 8);
        let codes: Vec<String> = crate::demo::categories()
            .into_iter()
            .map(|c| c.code)
            .collect();
        assert_eq!(
            check_checklist(CHECKLIST_NAME, &items, |c| codes.iter().any(|k| k == c)),
            Ok(())
        );
    }
}

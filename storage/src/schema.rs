//! Diesel table definitions, written to match `migrations/` (both folders hold the same tables).

diesel::table! {
    regions (id) {
        id -> Text,
        code -> Nullable<Text>,
        name -> Text,
        level -> Text,
        parent_id -> Nullable<Text>,
        path -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    grids (id) {
        id -> Text,
        name -> Text,
        region_id -> Text,
        geometry -> Text,
        min_lon -> Double,
        min_lat -> Double,
        max_lon -> Double,
        max_lat -> Double,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    units (id) {
        id -> Text,
        name -> Text,
        kind -> Text,
        region_id -> Text,
        grid_id -> Nullable<Text>,
        department -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    categories (code) {
        code -> Text,
        name -> Text,
        name_en -> Text,
        start_level -> Text,
        accept_within_minutes -> Integer,
        resolve_within_minutes -> Integer,
        evidence_required -> Bool,
        department -> Nullable<Text>,
        sort_order -> Integer,
        active -> Bool,
        created_at -> Timestamp,
    }
}

diesel::joinable!(grids -> regions (region_id));
diesel::joinable!(units -> regions (region_id));
diesel::allow_tables_to_appear_in_same_query!(regions, grids, units, categories);

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
        case_prefix -> Nullable<Text>,
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
        active -> Bool,
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
        active -> Bool,
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
        public -> Bool,
        workflow -> Text,
    }
}

diesel::table! {
    users (id) {
        id -> Text,
        display_name -> Text,
        role -> Text,
        status -> Text,
        phone -> Nullable<Text>,
        username -> Nullable<Text>,
        password_hash -> Nullable<Text>,
        wechat_openid -> Nullable<Text>,
        wechat_unionid -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    user_units (user_id, unit_id) {
        user_id -> Text,
        unit_id -> Text,
    }
}

diesel::table! {
    login_throttle (key) {
        key -> Text,
        failures -> Integer,
        blocked_until -> Nullable<Timestamp>,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    otp_codes (id) {
        id -> Text,
        phone -> Text,
        code_hash -> Text,
        requester_ip -> Text,
        attempts -> Integer,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    refresh_tokens (id) {
        id -> Text,
        family_id -> Text,
        user_id -> Text,
        token_hash -> Text,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    api_clients (id) {
        id -> Text,
        name -> Text,
        secret_hash -> Text,
        scopes -> Text,
        region_id -> Text,
        rate_limit_per_minute -> Integer,
        status -> Text,
        created_at -> Timestamp,
        secret_rotated_at -> Timestamp,
    }
}

diesel::table! {
    audit_log (id) {
        id -> Text,
        at -> Timestamp,
        actor -> Nullable<Text>,
        action -> Text,
        subject -> Nullable<Text>,
        ip -> Nullable<Text>,
        details -> Text,
    }
}

diesel::table! {
    routing_rules (id) {
        id -> Text,
        number -> BigInt,
        category_code -> Nullable<Text>,
        region_id -> Text,
        unit_id -> Text,
        active -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    reports (id) {
        id -> Text,
        case_number -> Text,
        reporter_id -> Text,
        submitted_by -> Text,
        category_code -> Text,
        description -> Text,
        status -> Text,
        lat -> Nullable<Double>,
        lon -> Nullable<Double>,
        accuracy_m -> Nullable<Double>,
        location_source -> Nullable<Text>,
        address -> Nullable<Text>,
        grid_id -> Nullable<Text>,
        region_id -> Text,
        region_path -> Text,
        unit_id -> Nullable<Text>,
        level -> Nullable<Text>,
        anonymous -> Bool,
        channel -> Text,
        follower_count -> Integer,
        version -> Integer,
        accept_by -> Nullable<Timestamp>,
        resolve_by -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        confirm_by -> Nullable<Timestamp>,
        warn_at -> Nullable<Timestamp>,
        alerted -> Nullable<Text>,
        next_due_at -> Nullable<Timestamp>,
        accepted_at -> Nullable<Timestamp>,
        resolved_at -> Nullable<Timestamp>,
        closed_at -> Nullable<Timestamp>,
        rating -> Nullable<Integer>,
        rating_text -> Nullable<Text>,
        reopen_count -> Integer,
        escalation_count -> Integer,
        duplicate_of -> Nullable<Text>,
    }
}

diesel::table! {
    report_events (id) {
        id -> Text,
        report_id -> Text,
        kind -> Text,
        actor_id -> Nullable<Text>,
        unit_id -> Nullable<Text>,
        note -> Nullable<Text>,
        details -> Text,
        internal -> Bool,
        at -> Timestamp,
    }
}

diesel::table! {
    media (id) {
        id -> Text,
        uploader_id -> Text,
        sha256 -> Text,
        format -> Text,
        bytes -> BigInt,
        width -> Integer,
        height -> Integer,
        display_key -> Text,
        display_width -> Integer,
        display_height -> Integer,
        thumb_key -> Text,
        thumb_width -> Integer,
        thumb_height -> Integer,
        original_key -> Nullable<Text>,
        phash -> BigInt,
        captured_at -> Nullable<Timestamp>,
        gps_lat -> Nullable<Double>,
        gps_lon -> Nullable<Double>,
        report_id -> Nullable<Text>,
        position -> Nullable<Integer>,
        created_at -> Timestamp,
        event_id -> Nullable<Text>,
    }
}

diesel::table! {
    report_followers (report_id, user_id) {
        report_id -> Text,
        user_id -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    idempotency_keys (user_id, idem_key) {
        user_id -> Text,
        idem_key -> Text,
        request_hash -> Text,
        report_id -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    case_sequences (prefix, day) {
        prefix -> Text,
        day -> Text,
        last_value -> Integer,
    }
}

diesel::table! {
    supervision_orders (id) {
        id -> Text,
        report_id -> Text,
        issued_by -> Text,
        unit_id -> Nullable<Text>,
        region_path -> Text,
        note -> Text,
        reply_by -> Timestamp,
        status -> Text,
        escalated_at -> Nullable<Timestamp>,
        reply_note -> Nullable<Text>,
        replied_by -> Nullable<Text>,
        answered_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::joinable!(grids -> regions (region_id));
diesel::joinable!(report_events -> reports (report_id));
diesel::joinable!(event_recipients -> report_events (event_id));
diesel::joinable!(media -> reports (report_id));
diesel::table! {
    mediation_parties (id) {
        id -> Text,
        report_id -> Text,
        role -> Text,
        name -> Text,
        phone -> Nullable<Text>,
        relation -> Nullable<Text>,
        added_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    mediation_sessions (id) {
        id -> Text,
        report_id -> Text,
        starts_at -> Timestamp,
        place -> Nullable<Text>,
        meeting_link -> Nullable<Text>,
        scheduled_by -> Text,
        created_at -> Timestamp,
        attendees -> Nullable<Text>,
        summary -> Nullable<Text>,
        next_step -> Nullable<Text>,
        recorded_by -> Nullable<Text>,
        recorded_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    mediation_conclusions (report_id) {
        report_id -> Text,
        outcome -> Text,
        terms -> Nullable<Text>,
        referral -> Nullable<Text>,
        referred_to -> Nullable<Text>,
        unit_id -> Nullable<Text>,
        level -> Nullable<Text>,
        concluded_by -> Text,
        concluded_at -> Timestamp,
        follow_up_due_at -> Nullable<Timestamp>,
        reminded_at -> Nullable<Timestamp>,
        kept -> Nullable<Bool>,
        followed_up_by -> Nullable<Text>,
        followed_up_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    patrol_checklists (id) {
        id -> Text,
        name -> Text,
        region_id -> Text,
        active -> Bool,
        created_at -> Timestamp,
    }
}

diesel::table! {
    patrol_items (id) {
        id -> Text,
        checklist_id -> Text,
        position -> Integer,
        section -> Text,
        title -> Text,
        instruction -> Text,
        category_code -> Text,
    }
}

diesel::table! {
    org_events (id) {
        id -> Text,
        kind -> Text,
        region_path -> Text,
        grid_id -> Nullable<Text>,
        details -> Text,
        at -> Timestamp,
    }
}

diesel::table! {
    patrol_schedules (grid_id, checklist_id) {
        grid_id -> Text,
        checklist_id -> Text,
        frequency -> Text,
        created_at -> Nullable<Timestamp>,
        alert -> Nullable<Text>,
        alert_period -> Nullable<Timestamp>,
        alerted_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    patrols (id) {
        id -> Text,
        grid_id -> Text,
        checklist_id -> Text,
        walker_id -> Text,
        started_at -> Timestamp,
        finished_at -> Nullable<Timestamp>,
        length_m -> Nullable<Double>,
        inside_share -> Nullable<Double>,
    }
}

diesel::table! {
    patrol_points (patrol_id, at) {
        patrol_id -> Text,
        at -> Timestamp,
        lat -> Double,
        lon -> Double,
    }
}

diesel::table! {
    patrol_marks (patrol_id, item_id) {
        patrol_id -> Text,
        item_id -> Text,
        result -> Text,
        note -> Nullable<Text>,
        report_id -> Nullable<Text>,
        marked_at -> Timestamp,
    }
}

diesel::joinable!(event_recipients -> org_events (org_event_id));
diesel::joinable!(patrol_marks -> patrols (patrol_id));
diesel::joinable!(patrol_points -> patrols (patrol_id));
diesel::joinable!(patrol_items -> patrol_checklists (checklist_id));
diesel::joinable!(patrol_schedules -> patrol_checklists (checklist_id));
diesel::joinable!(patrol_schedules -> grids (grid_id));
diesel::joinable!(mediation_parties -> reports (report_id));
diesel::joinable!(mediation_sessions -> reports (report_id));
diesel::joinable!(mediation_conclusions -> reports (report_id));
diesel::joinable!(reports -> categories (category_code));
diesel::joinable!(units -> regions (region_id));
diesel::joinable!(user_units -> users (user_id));
diesel::joinable!(user_units -> units (unit_id));
diesel::joinable!(refresh_tokens -> users (user_id));
diesel::joinable!(api_clients -> regions (region_id));
diesel::joinable!(webhooks -> regions (region_id));
diesel::table! {
    event_recipients (seq) {
        seq -> BigInt,
        event_id -> Nullable<Text>,
        report_id -> Nullable<Text>,
        org_event_id -> Nullable<Text>,
        user_id -> Text,
        reason -> Text,
        status -> Nullable<Text>,
    }
}

diesel::table! {
    webhooks (id) {
        id -> Text,
        name -> Text,
        url -> Text,
        event_types -> Text,
        region_id -> Nullable<Text>,
        secret -> Text,
        active -> Bool,
        created_by -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    deliveries (id) {
        id -> Text,
        event_id -> Nullable<Text>,
        report_id -> Nullable<Text>,
        org_event_id -> Nullable<Text>,
        channel -> Text,
        target -> Text,
        payload -> Text,
        status -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        last_error -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        sent_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    org_state (id) {
        id -> Integer,
        version -> BigInt,
    }
}

diesel::table! {
    open311_media_urls (report_id) {
        report_id -> Text,
        url -> Text,
    }
}

diesel::allow_tables_to_appear_in_same_query!(
    regions,
    grids,
    units,
    categories,
    users,
    user_units,
    otp_codes,
    refresh_tokens,
    api_clients,
    audit_log,
    routing_rules,
    reports,
    report_events,
    media,
    report_followers,
    event_recipients,
    webhooks,
    deliveries,
    idempotency_keys,
    case_sequences,
    supervision_orders,
    mediation_parties,
    mediation_sessions,
    mediation_conclusions,
    patrol_checklists,
    patrol_items,
    patrol_schedules,
    patrols,
    patrol_points,
    patrol_marks,
    org_events,
);

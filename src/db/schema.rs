//! Table definitions shared by both backends. Only portable column types appear here:
//! `BigInt` ids, `Text`, `Bool`, `Integer`, and `Timestamp` holding UTC. JSON is kept as `Text`.
//! The full-text table `content_search` differs per backend and is reached only through
//! `db::search`.

diesel::table! {
    organizations (id) {
        id -> BigInt,
        parent_id -> Nullable<BigInt>,
        name -> Text,
        kind -> Text,
        join_code -> Text,
        demonstration_site -> Bool,
        path -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        demonstration_since -> Nullable<Text>,
        closed_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    users (id) {
        id -> BigInt,
        username -> Text,
        username_key -> Text,
        display_name -> Text,
        password_hash -> Text,
        role -> Text,
        audience -> Text,
        organization_id -> Nullable<BigInt>,
        birth_year -> Nullable<Integer>,
        guardian_consent_at -> Nullable<Timestamp>,
        locale -> Text,
        disabled -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        deleted_at -> Nullable<Timestamp>,
        username_skeleton -> Nullable<Text>,
        password_temporary_until -> Nullable<Timestamp>,
        guardian_consent_by -> Nullable<BigInt>,
        student_number -> Nullable<Text>,
    }
}

diesel::table! {
    refresh_tokens (id) {
        id -> BigInt,
        user_id -> BigInt,
        family_id -> Text,
        token_hash -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    audit_log (id) {
        id -> BigInt,
        actor_id -> Nullable<BigInt>,
        action -> Text,
        target_type -> Text,
        target_id -> Nullable<BigInt>,
        detail -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    topics (id) {
        id -> BigInt,
        slug -> Text,
        names -> Text,
        position -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    media (id) {
        id -> BigInt,
        kind -> Text,
        mime -> Text,
        size -> BigInt,
        sha256 -> Text,
        storage_key -> Text,
        duration_s -> Nullable<Integer>,
        width -> Nullable<Integer>,
        height -> Nullable<Integer>,
        uploader_id -> Nullable<BigInt>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    contents (id) {
        id -> BigInt,
        kind -> Text,
        topic_id -> BigInt,
        locale -> Text,
        title -> Text,
        summary -> Text,
        body_markdown -> Nullable<Text>,
        body_html -> Nullable<Text>,
        reading_time_s -> Nullable<Integer>,
        cover_media_id -> Nullable<BigInt>,
        media_id -> Nullable<BigInt>,
        poster_media_id -> Nullable<BigInt>,
        duration_s -> Nullable<Integer>,
        status -> Text,
        publish_at -> Nullable<Timestamp>,
        author_id -> BigInt,
        reviewer_id -> Nullable<BigInt>,
        reject_reason -> Nullable<Text>,
        version -> Integer,
        view_count -> BigInt,
        like_count -> BigInt,
        favorite_count -> BigInt,
        share_count -> BigInt,
        popularity -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        revised_by -> Text,
        submitted_by -> Nullable<BigInt>,
        revision_status -> Nullable<Text>,
        revision -> Nullable<Text>,
    }
}

diesel::table! {
    content_audiences (content_id, audience) {
        content_id -> BigInt,
        audience -> Text,
    }
}

diesel::table! {
    content_tags (content_id, tag) {
        content_id -> BigInt,
        tag -> Text,
    }
}

diesel::table! {
    content_translations (content_id, locale) {
        content_id -> BigInt,
        locale -> Text,
        title -> Text,
        summary -> Text,
        body_markdown -> Nullable<Text>,
        body_html -> Nullable<Text>,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    likes (user_id, content_id) {
        user_id -> BigInt,
        content_id -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    favorites (id) {
        id -> BigInt,
        user_id -> BigInt,
        content_id -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    questions (id) {
        id -> BigInt,
        kind -> Text,
        topic_id -> BigInt,
        stem -> Text,
        options -> Text,
        answer -> Text,
        explanation -> Text,
        difficulty -> Integer,
        version -> Integer,
        author_id -> Nullable<BigInt>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        retired_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    question_tags (question_id, tag) {
        question_id -> BigInt,
        tag -> Text,
    }
}

diesel::table! {
    question_audiences (question_id, audience) {
        question_id -> BigInt,
        audience -> Text,
    }
}

diesel::table! {
    quizzes (id) {
        id -> BigInt,
        title -> Text,
        description -> Text,
        mode -> Text,
        question_ids -> Nullable<Text>,
        draw -> Nullable<Text>,
        shuffle_questions -> Bool,
        shuffle_options -> Bool,
        time_limit_s -> Nullable<Integer>,
        max_attempts -> Nullable<Integer>,
        pass_score -> Nullable<Integer>,
        opens_at -> Nullable<Timestamp>,
        closes_at -> Nullable<Timestamp>,
        review -> Text,
        points_per_correct -> Nullable<Integer>,
        status -> Text,
        publish_at -> Nullable<Timestamp>,
        author_id -> BigInt,
        reviewer_id -> Nullable<BigInt>,
        reject_reason -> Nullable<Text>,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        revised_by -> Text,
        submitted_by -> Nullable<BigInt>,
        revision_status -> Nullable<Text>,
        revision -> Nullable<Text>,
    }
}

diesel::table! {
    attempts (id) {
        id -> BigInt,
        quiz_id -> Nullable<BigInt>,
        user_id -> BigInt,
        source -> Text,
        attempt_no -> Integer,
        local_date -> Nullable<Text>,
        status -> Text,
        started_at -> Timestamp,
        deadline_at -> Nullable<Timestamp>,
        submitted_at -> Nullable<Timestamp>,
        finalized_late -> Bool,
        score -> Nullable<Integer>,
        max_score -> Integer,
        passed -> Nullable<Bool>,
        review_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    attempt_items (attempt_id, position) {
        attempt_id -> BigInt,
        position -> Integer,
        question_id -> BigInt,
        question_version -> Integer,
        kind -> Text,
        stem -> Text,
        options -> Text,
        option_map -> Text,
        answer -> Text,
        explanation -> Text,
        response -> Nullable<Text>,
        answered_at -> Nullable<Timestamp>,
        correct -> Nullable<Bool>,
    }
}

diesel::table! {
    mistakes (user_id, question_id) {
        user_id -> BigInt,
        question_id -> BigInt,
        wrong_count -> Integer,
        right_count -> Integer,
        last_response -> Nullable<Text>,
        last_attempt_id -> BigInt,
        visible_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    events (id) {
        id -> Text,
        user_id -> BigInt,
        kind -> Text,
        content_id -> BigInt,
        position_s -> Nullable<Integer>,
        occurred_at -> Timestamp,
        received_at -> Timestamp,
        local_date -> Text,
    }
}

diesel::table! {
    progress (user_id, content_id) {
        user_id -> BigInt,
        content_id -> BigInt,
        position_s -> Integer,
        position_at -> Nullable<Timestamp>,
        effective_s -> Integer,
        segments -> Text,
        first_view_at -> Nullable<Timestamp>,
        last_receipt_at -> Nullable<Timestamp>,
        completed_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    point_rules (action) {
        action -> Text,
        points -> Integer,
        daily_cap -> Nullable<Integer>,
        enabled -> Bool,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    points_ledger (id) {
        id -> BigInt,
        user_id -> BigInt,
        action -> Text,
        source -> Text,
        local_date -> Text,
        points -> Integer,
        created_at -> Timestamp,
    }
}

diesel::table! {
    rule_daily (user_id, action, local_date) {
        user_id -> BigInt,
        action -> Text,
        local_date -> Text,
        points -> Integer,
    }
}

diesel::table! {
    user_daily (user_id, local_date) {
        user_id -> BigInt,
        local_date -> Text,
        points -> Integer,
        reading_seconds -> Integer,
        watching_seconds -> Integer,
        articles_completed -> Integer,
        videos_completed -> Integer,
        quizzes_taken -> Integer,
    }
}

diesel::table! {
    user_points (user_id, period) {
        user_id -> BigInt,
        period -> Text,
        points -> Integer,
        reached_at -> Timestamp,
    }
}

diesel::table! {
    org_daily (org_id, local_date) {
        org_id -> BigInt,
        local_date -> Text,
        points -> Integer,
        study_seconds -> Integer,
        completions -> Integer,
        active_learners -> Integer,
        articles_completed -> Integer,
        videos_completed -> Integer,
        quizzes_taken -> Integer,
        quiz_score_sum -> Integer,
        quiz_max_sum -> Integer,
    }
}

diesel::table! {
    org_active (org_id, year, user_id) {
        org_id -> BigInt,
        year -> Integer,
        user_id -> BigInt,
        days -> Text,
    }
}

diesel::table! {
    content_daily (content_id, local_date) {
        content_id -> BigInt,
        local_date -> Text,
        views -> Integer,
        completions -> Integer,
        shares -> Integer,
        learner_days -> Integer,
        percent_sum -> Integer,
    }
}

diesel::table! {
    user_stats (user_id) {
        user_id -> BigInt,
        total_points -> Integer,
        streak_days -> Integer,
        longest_streak -> Integer,
        last_active_date -> Nullable<Text>,
        study_seconds_total -> Integer,
        articles_completed -> Integer,
        videos_completed -> Integer,
        quizzes_taken -> Integer,
        last_receipt_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    campaigns (id) {
        id -> BigInt,
        title -> Text,
        description -> Text,
        kind -> Text,
        starts_at -> Timestamp,
        ends_at -> Timestamp,
        org_id -> Nullable<BigInt>,
        points_multiplier -> Integer,
        status -> Text,
        publish_at -> Nullable<Timestamp>,
        author_id -> BigInt,
        reviewer_id -> Nullable<BigInt>,
        reject_reason -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        revised_by -> Text,
        submitted_by -> Nullable<BigInt>,
        revision_status -> Nullable<Text>,
        revision -> Nullable<Text>,
    }
}

diesel::table! {
    campaign_contents (campaign_id, content_id) {
        campaign_id -> BigInt,
        content_id -> BigInt,
        position -> Integer,
    }
}

diesel::table! {
    campaign_quizzes (campaign_id, quiz_id) {
        campaign_id -> BigInt,
        quiz_id -> BigInt,
        position -> Integer,
    }
}

diesel::table! {
    username_holds (name_hash) {
        name_hash -> Text,
        release_at -> Timestamp,
        created_at -> Timestamp,
    }
}

diesel::table! {
    cache_invalidations (id) {
        id -> BigInt,
        scope -> Text,
        content_id -> Nullable<BigInt>,
        origin -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    content_media (content_id, media_id) {
        content_id -> BigInt,
        media_id -> BigInt,
    }
}

diesel::table! {
    storage_probe (id) {
        id -> BigInt,
        filler -> Text,
    }
}

diesel::joinable!(users -> organizations (organization_id));
diesel::joinable!(refresh_tokens -> users (user_id));

diesel::joinable!(contents -> topics (topic_id));
diesel::joinable!(content_audiences -> contents (content_id));
diesel::joinable!(content_tags -> contents (content_id));
diesel::joinable!(content_translations -> contents (content_id));
diesel::joinable!(likes -> contents (content_id));
diesel::joinable!(favorites -> contents (content_id));

diesel::joinable!(questions -> topics (topic_id));
diesel::joinable!(question_tags -> questions (question_id));
diesel::joinable!(question_audiences -> questions (question_id));
diesel::joinable!(attempts -> quizzes (quiz_id));
diesel::joinable!(attempt_items -> attempts (attempt_id));
diesel::joinable!(mistakes -> questions (question_id));
diesel::joinable!(progress -> contents (content_id));
diesel::joinable!(content_media -> contents (content_id));
diesel::joinable!(user_points -> users (user_id));
diesel::joinable!(points_ledger -> users (user_id));
diesel::joinable!(campaigns -> organizations (org_id));
diesel::joinable!(campaign_contents -> campaigns (campaign_id));
diesel::joinable!(campaign_quizzes -> campaigns (campaign_id));

diesel::allow_tables_to_appear_in_same_query!(
    content_media,
    storage_probe,
    organizations,
    users,
    refresh_tokens,
    audit_log,
    topics,
    media,
    contents,
    content_audiences,
    content_tags,
    content_translations,
    likes,
    favorites,
    questions,
    question_tags,
    question_audiences,
    quizzes,
    attempts,
    attempt_items,
    mistakes,
    events,
    progress,
    point_rules,
    points_ledger,
    rule_daily,
    user_daily,
    user_points,
    org_daily,
    user_stats,
    campaigns,
    campaign_contents,
    campaign_quizzes,
    username_holds,
    cache_invalidations,
    org_active,
    content_daily,
);

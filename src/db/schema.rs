//! Table definitions shared by both backends. Only portable column types appear here:
//! `BigInt` ids, `Text`, `Bool`, `Integer`, and `Timestamp` holding UTC.

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

diesel::joinable!(users -> organizations (organization_id));
diesel::joinable!(refresh_tokens -> users (user_id));

diesel::allow_tables_to_appear_in_same_query!(organizations, users, refresh_tokens);

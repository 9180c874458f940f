//! Fixed vocabularies shared by requests, responses and the database's CHECK constraints.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

macro_rules! vocabulary {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            pub fn parse(text: &str) -> Option<Self> {
                match text { $($text => Some($name::$variant),)+ _ => None }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

vocabulary! {
    /// What a user may do. `editor`, `reviewer` and `org_admin` are staff; `admin` may do everything.
    Role {
        Learner => "learner",
        Editor => "editor",
        Reviewer => "reviewer",
        OrgAdmin => "org_admin",
        Admin => "admin",
    }
}

vocabulary! {
    /// Who a learner is, and who a piece of content is for.
    Audience {
        Primary => "primary",
        Junior => "junior",
        Senior => "senior",
        University => "university",
        Cadre => "cadre",
        PartyMember => "party_member",
        Public => "public",
    }
}

vocabulary! {
    /// The level of a node in the organization tree.
    OrgKind {
        County => "county",
        Township => "township",
        Bureau => "bureau",
        School => "school",
        Community => "community",
        Unit => "unit",
        Class => "class",
        Branch => "branch",
    }
}

/// A tag as requests give it (documentation only: requests carry plain strings): 1–20
/// characters, not only white space, stored trimmed.
pub struct TagText;

impl utoipa::PartialSchema for TagText {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::schema::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .min_length(Some(1))
            .max_length(Some(20))
            .pattern(Some(
                r"^[^\u0000-\u001F\u007F-\u009F]*[^\s\u0000-\u001F\u007F-\u009F][^\u0000-\u001F\u007F-\u009F]*$",
            ))
            .into()
    }
}

impl ToSchema for TagText {}

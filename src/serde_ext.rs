//! Small serde helpers shared by request types.

use serde::{Deserialize, Deserializer};

/// For PATCH fields where `null` means "clear": absent → `None`, `null` → `Some(None)`.
/// Use with `#[serde(default, deserialize_with = "crate::serde_ext::nullable")]`.
pub fn nullable<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

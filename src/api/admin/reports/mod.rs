//! Reports for staff.

pub mod quiz;

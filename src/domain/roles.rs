//! Who may do what. Handlers ask these questions; they never compare role names.

use crate::domain::vocab::Role;
use crate::error::AppError;

impl Role {
    /// Staff roles that may see the admin area at all.
    pub fn is_staff(self) -> bool {
        !matches!(self, Role::Learner)
    }

    /// Organization and user management: admins everywhere, org admins in their subtree.
    pub fn manages_members(self) -> bool {
        matches!(self, Role::Admin | Role::OrgAdmin)
    }
}

pub fn require_admin(role: Role) -> Result<(), AppError> {
    if role == Role::Admin { Ok(()) } else { Err(AppError::forbidden("This action needs the admin role.")) }
}

pub fn require_member_manager(role: Role) -> Result<(), AppError> {
    if role.manages_members() {
        Ok(())
    } else {
        Err(AppError::forbidden("This action needs the org_admin or admin role."))
    }
}

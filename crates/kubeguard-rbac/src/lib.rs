//! An exact model of Kubernetes RBAC authorization over Roles,
//! ClusterRoles, RoleBindings and ClusterRoleBindings read from manifests.
//!
//! [`Model::from_objects`] reads the RBAC objects (with positions for
//! errors), [`Authorizer::new`] expands aggregated ClusterRoles and indexes
//! the bindings, and the queries answer what the API server's RBAC
//! authorizer would: [`Authorizer::can_i`], [`Authorizer::who_can`],
//! [`risks::analyze`] and [`unused::find`]. Nothing here prints.

pub mod aggregate;
pub mod defaults;
pub mod matcher;
pub mod model;
pub mod query;
pub mod risks;
pub mod unused;

pub use matcher::{Request, UserInfo};
pub use model::{
    Binding, BindingKind, LabelSelector, Model, ModelError, Origin, PolicyRule, Role, RoleKind,
    RoleRef, Subject, SubjectKind,
};
pub use query::{Authorizer, Grant, SubjectGrants};

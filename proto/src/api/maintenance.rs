//! Maintenance mode: while it is on, customers see a banner and cannot place new orders; staff
//! keep working. Admins switch it over the API, operators with `ocpizza maintenance`.

use serde::{Deserialize, Serialize};

/// The site's maintenance state (`GET /api/v1/maintenance`, public; the `site` stream).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct Maintenance {
    /// Customers cannot place new orders.
    pub on: bool,
    /// What the operator wants customers to read, if anything.
    pub message: Option<String>,
    /// When the site is expected back (announced only: maintenance lasts until switched off).
    pub until: Option<jiff::Timestamp>,
    /// Since when it is on.
    pub since: Option<jiff::Timestamp>,
}

/// `PUT /api/v1/maintenance`: turns maintenance on (or changes its message and end).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct MaintenanceOn {
    /// Shown to customers in the banner.
    #[serde(default)]
    #[cfg_attr(feature = "server", schema(max_length = 300))]
    pub message: Option<String>,
    /// Expected end, in the future; sent as `Retry-After` to refused orders.
    #[serde(default)]
    pub until: Option<jiff::Timestamp>,
}

/// One switch of maintenance mode, as the audit trail keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct MaintenanceSwitch {
    /// The state after the switch.
    pub on: bool,
    /// Message given.
    pub message: Option<String>,
    /// Announced end.
    pub until: Option<jiff::Timestamp>,
    /// Who: an administrator's name and account, or `cli (user@host)` for the command line.
    pub by: String,
    /// When.
    pub at: jiff::Timestamp,
}

/// `GET /api/v1/maintenance/history` (admins): the switches, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct MaintenanceHistory {
    /// Newest first.
    pub switches: Vec<MaintenanceSwitch>,
}

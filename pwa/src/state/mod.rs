//! Pure state: every change is an action fed to a reducer, server messages included, so the
//! logic is unit-tested natively without a browser.

pub mod add;
pub mod audit;
pub mod cart;
pub mod catalogue;
pub mod checkout;
pub mod counter;
pub mod dashboard;
pub mod driver;
pub mod fit;
pub mod handover;
pub mod kitchen;
pub mod menu;
pub mod order_edit;
pub mod payment;
pub mod refund;
pub mod reports;
pub mod session;
pub mod shop_form;
pub mod site;
pub mod stock;
pub mod stock_out;
pub mod tracking;
pub mod validate;

/// State of the live connection, shown on every screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Connection {
    /// Opening (first time or reconnecting).
    #[default]
    Connecting,
    /// Connected and subscribed.
    Online,
    /// Lost; retrying by itself.
    Offline,
}

//! One module per screen.

pub mod account;
pub mod checkout;
#[cfg(feature = "staff")]
pub mod counter;
#[cfg(feature = "staff")]
pub mod driver;
#[cfg(feature = "staff")]
pub mod kitchen;
pub mod login;
pub mod manage;
pub mod menu;
pub mod not_found;
#[cfg(feature = "staff")]
pub mod recipes;
pub mod shops;
pub mod staff_app;
pub mod track;

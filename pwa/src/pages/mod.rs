//! One module per screen.

pub mod checkout;
pub mod counter;
pub mod driver;
pub mod kitchen;
pub mod login;
pub mod manage;
pub mod menu;
pub mod not_found;
pub mod recipes;
pub mod shops;
pub mod track;

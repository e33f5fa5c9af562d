//! One module per screen.

pub mod login;
pub mod menu;
pub mod not_found;
pub mod shops;

//! The account's own pages: the forgotten password and its e-mailed link, the customer's
//! orders and their personal data.

pub mod data;

pub mod forgot;
pub mod orders;
pub mod reset;

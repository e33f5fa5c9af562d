//! The account's own pages: the forgotten password and its e-mailed link, and the customer's
//! orders.

pub mod forgot;
pub mod orders;
pub mod reset;

//! What the browser keeps for the customer: the cart of each shop (`localStorage`, survives
//! restarts) and the idempotency key of a checkout attempt (`sessionStorage`, survives a reload
//! of the tab but not its closing).

use crate::state::cart::Cart;
use gloo::storage::{LocalStorage, SessionStorage, Storage};

fn cart_key(shop: i64) -> String {
    format!("ocpizza.cart.{shop}")
}

fn attempt_key(shop: i64) -> String {
    format!("ocpizza.checkout-key.{shop}")
}

/// The saved cart of `shop` (empty when none or unreadable).
pub fn load_cart(shop: i64) -> Cart {
    LocalStorage::raw()
        .get_item(&cart_key(shop))
        .ok()
        .flatten()
        .map(|json| Cart::from_json(&json))
        .unwrap_or_default()
}

/// Saves the cart of `shop`; an empty cart removes the entry.
pub fn save_cart(shop: i64, cart: &Cart) {
    if cart.is_empty() {
        LocalStorage::delete(cart_key(shop));
    } else {
        // Stored as the JSON text itself (not a JSON string of it). A full or disabled
        // storage only loses persistence; the cart still works.
        let _ = LocalStorage::raw().set_item(&cart_key(shop), &cart.to_json());
    }
}

/// The idempotency key of the current checkout attempt for `shop`, created on first use.
pub fn attempt_idempotency_key(shop: i64) -> String {
    if let Ok(key) = SessionStorage::get::<String>(attempt_key(shop)) {
        return key;
    }
    let key = super::api::new_idempotency_key();
    let _ = SessionStorage::set(attempt_key(shop), &key);
    key
}

/// Forgets the attempt's key once the order went through.
pub fn finish_attempt(shop: i64) {
    SessionStorage::delete(attempt_key(shop));
}

//! OC Pizza progressive web app: one Yew app with a section per role.
//!
//! `app` holds the routes, `pages/` the screens, `components/` the shared pieces, `state/` the
//! pure reducers every change goes through (server messages are actions too, unit-tested
//! natively), and `services/` all I/O: the REST client and the live WebSocket.

pub mod app;
pub mod components;
pub mod i18n;
pub mod pages;
pub mod services;
pub mod state;

/// Mounts the app on `<main id="app">` (the static shell keeps the rest of the page).
#[cfg(target_arch = "wasm32")]
#[wasm_bindgen::prelude::wasm_bindgen(start)]
pub fn start() {
    let root = gloo::utils::document()
        .get_element_by_id("app")
        .expect("index.html has <main id=\"app\">");
    yew::Renderer::<app::App>::with_root(root).render();
}

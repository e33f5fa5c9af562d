//! Stripe.js, loaded at run time from the address the server names (the real one, or a local
//! stand-in in tests), and used through the few calls both provide: `Stripe(key)`,
//! `elements().create('card').mount(node)`, `createToken(card)` and
//! `confirmCardPayment(clientSecret)`. The card number is typed into Stripe's own field and
//! never passes through this app: only the token Stripe gives for it does.

use js_sys::{Array, Function, Promise, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::Element;

/// Marks the `<script>` this module added.
const MARK: &str = "data-ocpizza-stripe";

fn describe(error: &JsValue) -> String {
    Reflect::get(error, &"message".into())
        .ok()
        .and_then(|m| m.as_string())
        .or_else(|| error.as_string())
        .unwrap_or_else(|| "Stripe.js failed".to_owned())
}

fn get(target: &JsValue, key: &str) -> Result<JsValue, String> {
    Reflect::get(target, &key.into()).map_err(|e| describe(&e))
}

/// Calls `target[method](...args)`.
fn call(target: &JsValue, method: &str, args: &[JsValue]) -> Result<JsValue, String> {
    let function: Function = get(target, method)?
        .dyn_into()
        .map_err(|_| format!("Stripe.js has no {method}()"))?;
    let list: Array = args.iter().collect();
    Reflect::apply(&function, target, &list).map_err(|e| describe(&e))
}

/// Awaits a call that answers with a promise.
async fn call_async(target: &JsValue, method: &str, args: &[JsValue]) -> Result<JsValue, String> {
    let promise: Promise = call(target, method, args)?
        .dyn_into()
        .map_err(|_| format!("{method}() did not answer with a promise"))?;
    JsFuture::from(promise).await.map_err(|e| describe(&e))
}

fn stripe_function() -> Option<Function> {
    get(&gloo::utils::window(), "Stripe")
        .ok()
        .and_then(|f| f.dyn_into().ok())
}

/// Loads Stripe.js from `js_url` once per page.
pub async fn load(js_url: &str) -> Result<(), String> {
    let document = gloo::utils::document();
    let selector = format!("script[{MARK}]");
    if let Ok(Some(existing)) = document.query_selector(&selector) {
        if existing.get_attribute("src").as_deref() == Some(js_url) && stripe_function().is_some() {
            return Ok(());
        }
        existing.remove();
    }
    let script = document
        .create_element("script")
        .map_err(|e| describe(&e))?;
    script
        .set_attribute("src", js_url)
        .map_err(|e| describe(&e))?;
    script.set_attribute(MARK, "").map_err(|e| describe(&e))?;
    let loaded = Promise::new(&mut |resolve, reject| {
        let _ = Reflect::set(&script, &"onload".into(), &resolve);
        let _ = Reflect::set(&script, &"onerror".into(), &reject);
    });
    let parent = document
        .body()
        .ok_or_else(|| "the page has no body".to_owned())?;
    parent.append_child(&script).map_err(|e| describe(&e))?;
    JsFuture::from(loaded)
        .await
        .map_err(|_| format!("could not load {js_url}"))?;
    stripe_function()
        .map(|_| ())
        .ok_or_else(|| "Stripe.js did not define Stripe".to_owned())
}

/// `Stripe(publishable_key)`.
fn client(publishable_key: &str) -> Result<JsValue, String> {
    let constructor = stripe_function().ok_or_else(|| "Stripe.js is not loaded".to_owned())?;
    constructor
        .call1(&JsValue::NULL, &publishable_key.into())
        .map_err(|e| describe(&e))
}

/// Why the card could not be turned into a token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CardError {
    /// Stripe refused the card as typed, with its words ("Your card number is incorrect.").
    Refused(String),
    /// Stripe.js itself failed.
    Broken(String),
}

/// Stripe's card field mounted in the page (cloning shares the same field).
#[derive(Debug, Clone)]
pub struct CardField {
    stripe: JsValue,
    card: JsValue,
}

impl CardField {
    /// Mounts a card field into `node` (Stripe.js must be loaded).
    pub fn mount(publishable_key: &str, node: &Element) -> Result<CardField, String> {
        let stripe = client(publishable_key)?;
        let elements = call(&stripe, "elements", &[])?;
        let card = call(&elements, "create", &["card".into()])?;
        call(&card, "mount", &[node.clone().into()])?;
        Ok(CardField { stripe, card })
    }

    /// The token of the card typed: `tok_…`.
    pub async fn token(&self) -> Result<String, CardError> {
        let answer = call_async(
            &self.stripe,
            "createToken",
            std::slice::from_ref(&self.card),
        )
        .await
        .map_err(CardError::Broken)?;
        let error = get(&answer, "error").map_err(CardError::Broken)?;
        if !error.is_undefined() && !error.is_null() {
            return Err(CardError::Refused(describe(&error)));
        }
        let token = get(&answer, "token").map_err(CardError::Broken)?;
        get(&token, "id")
            .ok()
            .and_then(|id| id.as_string())
            .ok_or_else(|| CardError::Broken("no token in Stripe's answer".to_owned()))
    }

    /// Takes the field out of the page.
    pub fn destroy(&self) {
        let _ = call(&self.card, "destroy", &[]);
    }
}

/// Lets the bank authenticate the cardholder (3-D Secure) for the payment of
/// `client_secret`; `Err` carries the refusal's words.
pub async fn authenticate(publishable_key: &str, client_secret: &str) -> Result<(), String> {
    let stripe = client(publishable_key)?;
    let answer = call_async(&stripe, "confirmCardPayment", &[client_secret.into()]).await?;
    let error = get(&answer, "error")?;
    if error.is_undefined() || error.is_null() {
        Ok(())
    } else {
        Err(describe(&error))
    }
}

//! Online payment: an order paid online is created `awaiting_payment` with its stock reserved,
//! the customer authorises its total with the provider (Stripe or PayPal), and the order then
//! reaches the kitchen. Cancelling before the kitchen starts voids the hold, the kitchen
//! starting the order captures it, a staff cancellation after that refunds it.
//!
//! Every money movement after authorisation is written as an operation in the same
//! transaction as the order change that calls for it, then carried out with an idempotency key
//! derived from the order and the step; the reconciler retries what the provider has not
//! confirmed, asks the provider about payments left pending, and cancels orders whose payment
//! was not authorised in time. Provider notifications (webhooks) are verified, deduplicated by
//! their id, and only make the server ask the provider for the payment's state: whichever of
//! the webhook, the customer's browser or the reconciler comes first applies it, once.

pub mod paypal;
pub mod provider;
pub mod settings;

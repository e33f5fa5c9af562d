//! The OpenAPI 3 document, generated from the handlers' annotations, at `GET /api/openapi.json`.

use crate::state::AppState;
use crate::{auth, customers, dashboard, driver, menu, orders, shops, staff, stock};
use axum::Router;
use axum::routing::get;
use utoipa::OpenApi;

/// The API description.
#[derive(Debug, OpenApi)]
#[openapi(
    info(
        title = "OC Pizza API",
        description = "Real-time order platform for a group of pizzerias."
    ),
    paths(
        auth::handlers::register,
        auth::handlers::login,
        auth::handlers::logout,
        auth::handlers::me,
        shops::list,
        shops::get_one,
        shops::patch,
        shops::pause,
        shops::resume,
        menu::menu,
        menu::recipe,
        menu::recipes,
        menu::set_enabled,
        orders::place,
        orders::get_one,
        orders::edit,
        orders::transition,
        orders::cancel,
        orders::assign_driver,
        orders::my_orders,
        orders::shop_orders,
        orders::cancel_by_phone,
        orders::track,
        orders::track_edit,
        orders::track_cancel,
        orders::deliveries,
        driver::action,
        driver::order_actions,
        driver::location,
        driver::my_cash,
        driver::shop_cash,
        customers::search,
        dashboard::dashboard,
        stock::list,
        stock::restock,
        stock::waste,
        stock::correction,
        stock::ledger,
        staff::list,
        staff::add,
        staff::remove,
        staff::invitations::mine,
        staff::invitations::accept,
        staff::invitations::decline,
    ),
    components(schemas(ocpizza_proto::events::Event))
)]
pub struct ApiDoc;

/// Routes of this module.
pub fn router() -> Router<AppState> {
    Router::new().route(
        "/api/openapi.json",
        get(|| async { axum::Json(ApiDoc::openapi()) }),
    )
}

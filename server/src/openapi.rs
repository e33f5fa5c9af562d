//! The OpenAPI 3 document, generated from the handlers' annotations, at `GET /api/openapi.json`.

use crate::state::AppState;
use crate::{
    auth, cash, customers, dashboard, driver, eta, maintenance, menu, orders, payments, shops,
    staff, stock,
};
use axum::Router;
use axum::routing::get;
use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::{Content, Ref, RefOr, Response, ResponseBuilder};
use utoipa::{Modify, OpenApi};

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
        auth::handlers::session,
        auth::recovery::forgot,
        auth::recovery::reset,
        shops::list,
        shops::get_one,
        shops::patch,
        shops::pause,
        shops::resume,
        shops::admin::list_all,
        shops::admin::create,
        shops::admin::retire,
        shops::admin::reopen,
        shops::admin::closures,
        shops::admin::add_closure,
        shops::admin::remove_closure,
        eta::shop_eta,
        menu::menu,
        menu::recipe,
        menu::recipes,
        menu::set_enabled,
        crate::catalogue::get_catalogue,
        crate::catalogue::export,
        crate::catalogue::import,
        crate::catalogue::create_pizza,
        crate::catalogue::update_pizza,
        crate::catalogue::set_available,
        crate::catalogue::delete_pizza,
        crate::catalogue::photo::upload,
        crate::catalogue::photo::remove,
        crate::catalogue::photo::serve,
        crate::catalogue::create_ingredient,
        crate::catalogue::update_ingredient,
        crate::catalogue::delete_ingredient,
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
        payments::router::config,
        payments::router::customer_state,
        payments::router::card,
        payments::router::refresh,
        payments::router::switch,
        payments::router::staff_view,
        payments::router::refund,
        payments::router::stripe_webhook,
        payments::router::paypal_webhook,
        driver::action,
        driver::order_actions,
        driver::location,
        driver::my_cash,
        driver::shop_cash,
        cash::record,
        cash::history,
        customers::search,
        dashboard::dashboard,
        stock::list,
        stock::restock,
        stock::waste,
        stock::correction,
        stock::ledger,
        crate::reports::report,
        crate::reports::report_csv,
        staff::list,
        staff::add,
        staff::remove,
        staff::invitations::mine,
        staff::invitations::accept,
        staff::invitations::decline,
        maintenance::router::status,
        maintenance::router::turn_on,
        maintenance::router::turn_off,
        maintenance::router::history,
        crate::notify::push::router::key,
        crate::notify::push::router::follow_order,
        crate::notify::push::router::unfollow_order,
        crate::notify::push::router::subscribe_staff,
        crate::notify::push::router::unsubscribe_staff,
        crate::audit::router::list,
        crate::audit::router::csv,
        crate::privacy::my_data,
        crate::privacy::delete_me,
        crate::privacy::admin_export,
        crate::privacy::admin_erase,
    ),
    components(schemas(
        ocpizza_proto::events::Event,
        ocpizza_proto::api::push::PushMessage
    )),
    modifiers(&CommonResponses)
)]
pub struct ApiDoc;

/// The answers that do not depend on the handler, added to every operation that can give
/// them: the middleware's (503 when the database is unavailable or the request takes too long,
/// 403 `bad_origin` for a cross-site state change), the JSON body's (413, and 422 when it is
/// malformed), the query string's (422) and the path's (404: an id that names nothing). Each
/// handler's own annotation lists the rest (401, its roles' 403, 404, 409, …).
struct CommonResponses;

impl Modify for CommonResponses {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        for item in doc.paths.paths.values_mut() {
            let unsafe_ops = [
                &mut item.post,
                &mut item.put,
                &mut item.patch,
                &mut item.delete,
            ];
            for op in unsafe_ops.into_iter().flatten() {
                add(
                    op,
                    403,
                    "the request comes from another site (`bad_origin`)",
                );
            }
            let all = [
                &mut item.get,
                &mut item.post,
                &mut item.put,
                &mut item.patch,
                &mut item.delete,
            ];
            for op in all.into_iter().flatten() {
                add_common(op);
            }
        }
    }
}

fn add_common(op: &mut Operation) {
    let params = op.parameters.iter().flatten().filter_map(|p| match p {
        RefOr::T(p) => Some(&p.parameter_in),
        RefOr::Ref(_) => None,
    });
    let (mut in_path, mut in_query) = (false, false);
    for place in params {
        in_path |= matches!(place, ParameterIn::Path);
        in_query |= matches!(place, ParameterIn::Query);
    }
    if in_path {
        add(op, 404, "nothing has this id");
    }
    if op.request_body.is_some() {
        add(op, 413, "the body is larger than 64 KiB");
        add(
            op,
            422,
            "the body is not valid JSON or a field is invalid (see `fields`)",
        );
    }
    if in_query {
        add(op, 422, "a query parameter is invalid (see `fields`)");
    }
    add(
        op,
        503,
        "the database is unavailable or the request took too long; nothing was changed, retry \
         after `Retry-After` seconds",
    );
}

/// Adds an error answer with the JSON error body, unless the operation already documents it.
fn add(op: &mut Operation, status: u16, description: &str) {
    op.responses
        .responses
        .entry(status.to_string())
        .or_insert_with(|| RefOr::T(error(description)));
}

fn error(description: &str) -> Response {
    ResponseBuilder::new()
        .description(description)
        .content(
            "application/json",
            Content::new(Some(Ref::from_schema_name("ErrorBody"))),
        )
        .build()
}

/// Routes of this module.
pub fn router() -> Router<AppState> {
    Router::new().route(
        "/api/openapi.json",
        get(|| async { axum::Json(ApiDoc::openapi()) }),
    )
}

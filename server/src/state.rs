//! The application state handed to every handler: one reference-counted pointer to handles.

use crate::auth::limit::AuthLimits;
use crate::config::Config;
use crate::db::Db;
use crate::events::Bus;
use crate::hub::Hub;
use crate::orders::limit::OrderLimits;
use std::sync::Arc;

/// Shared by all requests: one pointer, so that the layers and handlers a request goes through
/// clone it for the price of one counter (see [`Shared`] for what it holds).
#[derive(Debug, Clone)]
pub struct AppState(Arc<Shared>);

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

/// What [`AppState`] gives access to.
#[derive(Debug)]
pub struct Shared {
    /// Database pools.
    pub db: Db,
    /// Configuration.
    pub config: Arc<Config>,
    /// Where committed events go.
    pub bus: Bus,
    /// Live WebSocket fan-out.
    pub hub: Hub,
    /// Login and registration throttling.
    pub auth_limits: Arc<AuthLimits>,
    /// Order throttling.
    pub order_limits: Arc<OrderLimits>,
    /// Maintenance mode as this instance last read it.
    pub maintenance: crate::maintenance::Switch,
    /// A password hash verified when an e-mail is unknown, so timing does not tell.
    pub dummy_hash: Arc<str>,
    /// This app's Prometheus registry.
    pub metrics: Arc<crate::metrics::Metrics>,
    /// Each shop's estimate inputs, cached for menu views.
    pub eta: crate::eta::Cache,
    /// Each shop's public menu, ready to send.
    pub menus: crate::menu::cache::MenuCache,
    /// The catalogue's pizzas, for pricing orders.
    pub specs: crate::menu::specs::Specs,
    /// Every shop as stored, for placing orders (see [`crate::shops::cached`]).
    pub shops: crate::memo::Memo<Arc<Vec<ocpizza_proto::api::shops::Shop>>>,
    /// Each shop's new orders waiting to be written together.
    pub batches: crate::orders::batch::Batches,
    /// Online payment: the provider's client and the reconciler's bell.
    pub payments: crate::payments::Payments,
    /// Notifications (web push, e-mail): their workers' bell.
    pub notify: crate::notify::Notify,
}

impl AppState {
    /// Builds the state around an open (and migrated) database and starts the live hub (and
    /// the Redis fan-out when configured) and the maintenance poll.
    pub async fn new(config: Config, db: Db) -> anyhow::Result<AppState> {
        let dummy_hash =
            crate::auth::password::hash(crate::auth::random_token(16), config.hashing).await?;
        let streams = crate::streams::Streams::new(db.clone(), config.tracking_hours);
        let hub = Hub::new(
            db.clone(),
            crate::hub::Settings::from_config(&config),
            Arc::new(streams),
        )?;
        let mut bus = Bus::new();
        if let Some(url) = &config.redis_url {
            bus = crate::events::redis::start(url.expose(), config.redis_channel.clone(), bus)?;
        }
        hub.spawn(&bus, std::time::Duration::from_secs(2));
        let menus = crate::menu::cache::MenuCache::watching(&bus);
        let specs = crate::menu::specs::Specs::watching(&bus);
        let shops = crate::memo::Memo::watching(&bus, |e| crate::memo::is_of_type(e, "shop_"));
        let metrics = Arc::new(crate::metrics::Metrics::new(hub.clone(), bus.clone()));
        let maintenance = crate::maintenance::Switch::load(db.pool()).await?;
        let notify = crate::notify::from_config(&config, &db).await?;
        crate::maintenance::spawn(maintenance.clone(), db.clone());
        Ok(AppState(Arc::new(Shared {
            metrics,
            hub,
            bus,
            db,
            auth_limits: Arc::new(AuthLimits::new(
                config.login_per_ip_per_min,
                config.login_failures_before_backoff,
                config.register_per_ip_per_hour,
            )),
            order_limits: Arc::new(OrderLimits::new(
                config.orders_per_ip_per_min,
                config.orders_per_phone_per_min,
            )),
            maintenance,
            payments: crate::payments::Payments::new(config.payments.clone()),
            notify,
            config: Arc::new(config),
            dummy_hash: dummy_hash.into(),
            eta: crate::eta::Cache::default(),
            menus,
            specs,
            shops,
            batches: crate::orders::batch::Batches::default(),
        })))
    }
}

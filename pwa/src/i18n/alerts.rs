//! Texts of the alerts on the managers' dashboard: ingredients below their low-stock
//! threshold and orders late in a stage.

use super::Lang;
use ocpizza_proto::OrderStatus;
use ocpizza_proto::api::Unit;
use ocpizza_proto::api::stock::StockLevel;

/// Every text of the dashboard's alerts.
#[derive(Debug)]
#[allow(missing_docs)]
pub struct AlertTexts {
    pub title: &'static str,
    pub low_stock: &'static str,
    /// `{free}` and `{threshold}` are replaced by quantities with their unit.
    pub left_of: &'static str,
    pub restock: &'static str,
    /// `{n}` orders, `{m}` minutes: one line per stage.
    pub late_placed: &'static str,
    pub late_preparing: &'static str,
    pub late_ready: &'static str,
    pub late_out: &'static str,
}

impl Lang {
    /// The dashboard alerts' texts in this language.
    pub fn alerts(self) -> &'static AlertTexts {
        match self {
            Lang::Fr => &FR,
            Lang::En => &EN,
        }
    }

    /// "Mozzarella : 120 g disponibles (seuil 500 g)".
    pub fn low_stock_line(self, level: &StockLevel) -> String {
        let qty = |n: i64| match level.unit {
            Unit::G => format!("{n} g"),
            Unit::Ml => format!("{n} ml"),
            Unit::Piece => format!("{n}"),
        };
        let left = self
            .alerts()
            .left_of
            .replace("{free}", &qty(level.on_hand - level.reserved))
            .replace("{threshold}", &qty(level.low_threshold));
        format!("{} : {left}", level.name)
    }

    /// "2 commandes en attente depuis plus de 10 min".
    pub fn late_stage_line(self, status: OrderStatus, orders: usize, minutes: i64) -> String {
        let t = self.alerts();
        let text = match status {
            OrderStatus::Placed => t.late_placed,
            OrderStatus::Preparing => t.late_preparing,
            OrderStatus::Ready => t.late_ready,
            _ => t.late_out,
        };
        let plural = if orders > 1 { "s" } else { "" };
        text.replace("{n}", &orders.to_string())
            .replace("{s}", plural)
            .replace("{m}", &minutes.to_string())
    }
}

const FR: AlertTexts = AlertTexts {
    title: "Alertes",
    low_stock: "Stock bas",
    left_of: "{free} disponibles (seuil {threshold})",
    restock: "Réapprovisionner",
    late_placed: "{n} commande{s} en attente depuis plus de {m} min",
    late_preparing: "{n} commande{s} en préparation depuis plus de {m} min",
    late_ready: "{n} commande{s} prête{s} sans départ ni retrait depuis plus de {m} min",
    late_out: "{n} livraison{s} en cours depuis plus de {m} min",
};

const EN: AlertTexts = AlertTexts {
    title: "Alerts",
    low_stock: "Low stock",
    left_of: "{free} left (threshold {threshold})",
    restock: "Restock",
    late_placed: "{n} order{s} waiting for more than {m} min",
    late_preparing: "{n} order{s} in preparation for more than {m} min",
    late_ready: "{n} order{s} ready, not taken out or collected, for more than {m} min",
    late_out: "{n} order{s} out for delivery for more than {m} min",
};

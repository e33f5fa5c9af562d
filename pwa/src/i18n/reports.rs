//! Texts of the managers' reports page (`/manage/reports`).

use super::Lang;
use ocpizza_proto::api::reports::{Period, Stage};

/// Every text of the reports page.
#[derive(Debug)]
#[allow(missing_docs)]
pub struct ReportTexts {
    pub title: &'static str,
    pub link: &'static str,
    pub period: &'static str,
    pub day: &'static str,
    pub week: &'static str,
    pub month: &'static str,
    pub date: &'static str,
    pub shop: &'static str,
    pub all_shops: &'static str,
    /// `{first}` and `{last}` are replaced by dates.
    pub from_to: &'static str,
    pub summary: &'static str,
    pub orders: &'static str,
    pub revenue: &'static str,
    pub cancelled: &'static str,
    pub average_basket: &'static str,
    pub late_orders: &'static str,
    pub pizzas_sold: &'static str,
    pub by_channel: &'static str,
    pub channel: &'static str,
    pub web: &'static str,
    pub phone: &'static str,
    pub counter: &'static str,
    pub by_payment: &'static str,
    pub payment: &'static str,
    pub stages: &'static str,
    pub stage: &'static str,
    pub mean: &'static str,
    pub p90: &'static str,
    pub late: &'static str,
    pub stage_placed: &'static str,
    pub stage_preparing: &'static str,
    pub stage_ready: &'static str,
    pub stage_out: &'static str,
    pub stage_whole: &'static str,
    pub pizza: &'static str,
    pub size: &'static str,
    pub quantity: &'static str,
    pub stock: &'static str,
    pub ingredient: &'static str,
    pub waste: &'static str,
    pub corrections: &'static str,
    pub no_losses: &'static str,
    pub hours: &'static str,
    pub hour: &'static str,
    pub days: &'static str,
    pub days_chart: &'static str,
    pub hours_chart: &'static str,
    pub csv: &'static str,
    pub no_orders: &'static str,
    pub none: &'static str,
}

impl Lang {
    /// The reports page's texts in this language.
    pub fn reports(self) -> &'static ReportTexts {
        match self {
            Lang::Fr => &FR,
            Lang::En => &EN,
        }
    }

    /// The name of a period.
    pub fn period(self, period: Period) -> &'static str {
        let t = self.reports();
        match period {
            Period::Day => t.day,
            Period::Week => t.week,
            Period::Month => t.month,
        }
    }

    /// The name of a stage of an order.
    pub fn stage(self, stage: Stage) -> &'static str {
        let t = self.reports();
        match stage {
            Stage::Placed => t.stage_placed,
            Stage::Preparing => t.stage_preparing,
            Stage::Ready => t.stage_ready,
            Stage::OutForDelivery => t.stage_out,
            Stage::Whole => t.stage_whole,
        }
    }

    /// The name of a channel (`web`, `phone`, `counter`), the key itself when unknown.
    pub fn channel(self, key: &str) -> String {
        let t = self.reports();
        match key {
            "web" => t.web.to_owned(),
            "phone" => t.phone.to_owned(),
            "counter" => t.counter.to_owned(),
            other => other.to_owned(),
        }
    }

    /// A duration in seconds: "45 s", "12 min 05 s", "1 h 02 min"; "—" when there is none.
    pub fn duration(self, seconds: Option<i64>) -> String {
        match seconds {
            None => self.reports().none.to_owned(),
            Some(s) if s < 60 => format!("{s} s"),
            Some(s) if s < 3600 => format!("{} min {:02} s", s / 60, s % 60),
            Some(s) => format!("{} h {:02} min", s / 3600, (s % 3600) / 60),
        }
    }
}

const FR: ReportTexts = ReportTexts {
    title: "Rapports",
    link: "Rapports",
    period: "Période",
    day: "Jour",
    week: "Semaine",
    month: "Mois",
    date: "Date",
    shop: "Pizzeria",
    all_shops: "Toutes les pizzerias",
    from_to: "du {first} au {last}",
    summary: "Synthèse",
    orders: "Commandes",
    revenue: "Chiffre d'affaires",
    cancelled: "Annulées",
    average_basket: "Panier moyen",
    late_orders: "Commandes en retard",
    pizzas_sold: "Pizzas vendues",
    by_channel: "Par canal",
    channel: "Canal",
    web: "En ligne",
    phone: "Téléphone",
    counter: "Comptoir",
    by_payment: "Par moyen de paiement",
    payment: "Paiement",
    stages: "Temps par étape",
    stage: "Étape",
    mean: "Moyenne",
    p90: "90e centile",
    late: "En retard",
    stage_placed: "En attente",
    stage_preparing: "En préparation",
    stage_ready: "Prête, avant départ ou retrait",
    stage_out: "En livraison",
    stage_whole: "Commande entière",
    pizza: "Pizza",
    size: "Taille",
    quantity: "Quantité",
    stock: "Pertes et corrections de stock",
    ingredient: "Ingrédient",
    waste: "Jeté",
    corrections: "Corrections d'inventaire",
    no_losses: "Ni perte ni correction sur la période.",
    hours: "Commandes par heure",
    hour: "Heure",
    days: "Temps par étape, jour par jour",
    days_chart: "Temps moyen par étape (minutes), jour par jour",
    hours_chart: "Commandes par heure de la journée",
    csv: "CSV",
    no_orders: "Aucune commande sur la période.",
    none: "—",
};

const EN: ReportTexts = ReportTexts {
    title: "Reports",
    link: "Reports",
    period: "Period",
    day: "Day",
    week: "Week",
    month: "Month",
    date: "Date",
    shop: "Shop",
    all_shops: "All shops",
    from_to: "from {first} to {last}",
    summary: "Summary",
    orders: "Orders",
    revenue: "Revenue",
    cancelled: "Cancelled",
    average_basket: "Average basket",
    late_orders: "Late orders",
    pizzas_sold: "Pizzas sold",
    by_channel: "By channel",
    channel: "Channel",
    web: "Online",
    phone: "Phone",
    counter: "Counter",
    by_payment: "By payment method",
    payment: "Payment",
    stages: "Time per stage",
    stage: "Stage",
    mean: "Mean",
    p90: "90th percentile",
    late: "Late",
    stage_placed: "Waiting",
    stage_preparing: "In preparation",
    stage_ready: "Ready, before leaving or pickup",
    stage_out: "Out for delivery",
    stage_whole: "Whole order",
    pizza: "Pizza",
    size: "Size",
    quantity: "Quantity",
    stock: "Stock losses and corrections",
    ingredient: "Ingredient",
    waste: "Thrown away",
    corrections: "Inventory corrections",
    no_losses: "No loss or correction in the period.",
    hours: "Orders per hour",
    hour: "Hour",
    days: "Time per stage, day by day",
    days_chart: "Mean time per stage (minutes), day by day",
    hours_chart: "Orders per hour of the day",
    csv: "CSV",
    no_orders: "No orders in the period.",
    none: "—",
};

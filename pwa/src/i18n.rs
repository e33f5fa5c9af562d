//! French by default, English available: every visible text, per language.

use ocpizza_proto::api::Allergen;
use serde::{Deserialize, Serialize};

/// A language of the interface.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Lang {
    /// Français (default).
    Fr,
    /// English.
    En,
}

impl Lang {
    /// From a BCP-47 tag such as the browser's `navigator.language`.
    pub fn from_tag(tag: &str) -> Lang {
        if tag.to_ascii_lowercase().starts_with("en") {
            Lang::En
        } else {
            Lang::Fr
        }
    }

    /// The other language (for the switch).
    #[must_use]
    pub fn other(self) -> Lang {
        match self {
            Lang::Fr => Lang::En,
            Lang::En => Lang::Fr,
        }
    }

    /// `lang` attribute value.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Fr => "fr",
            Lang::En => "en",
        }
    }

    /// The name of an allergen in this language.
    pub fn allergen(self, a: Allergen) -> &'static str {
        use Allergen as A;
        let (fr, en) = match a {
            A::Gluten => ("gluten", "gluten"),
            A::Crustaceans => ("crustacés", "crustaceans"),
            A::Eggs => ("œufs", "eggs"),
            A::Fish => ("poisson", "fish"),
            A::Peanuts => ("arachides", "peanuts"),
            A::Soybeans => ("soja", "soy"),
            A::Milk => ("lait", "milk"),
            A::Nuts => ("fruits à coque", "tree nuts"),
            A::Celery => ("céleri", "celery"),
            A::Mustard => ("moutarde", "mustard"),
            A::Sesame => ("sésame", "sesame"),
            A::Sulphites => ("sulfites", "sulphites"),
            A::Lupin => ("lupin", "lupin"),
            A::Molluscs => ("mollusques", "molluscs"),
        };
        match self {
            Lang::Fr => fr,
            Lang::En => en,
        }
    }

    /// The texts of this language.
    pub fn texts(self) -> &'static Texts {
        match self {
            Lang::Fr => &FR,
            Lang::En => &EN,
        }
    }
}

/// Every text of the interface.
#[derive(Debug)]
#[allow(missing_docs)]
pub struct Texts {
    pub app_name: &'static str,
    pub shops_title: &'static str,
    pub open: &'static str,
    pub closed: &'static str,
    pub paused: &'static str,
    pub see_menu: &'static str,
    pub unavailable: &'static str,
    pub left: &'static str,
    pub allergens: &'static str,
    pub extras: &'static str,
    pub login: &'static str,
    pub logout: &'static str,
    pub email: &'static str,
    pub password: &'static str,
    pub login_failed: &'static str,
    pub online: &'static str,
    pub connecting: &'static str,
    pub offline: &'static str,
    pub loading: &'static str,
    pub load_failed: &'static str,
    pub not_found: &'static str,
    pub back_to_shops: &'static str,
    pub switch_language: &'static str,
}

static FR: Texts = Texts {
    app_name: "OC Pizza",
    shops_title: "Choisissez votre pizzeria",
    open: "Ouvert",
    closed: "Fermé",
    paused: "Commandes suspendues",
    see_menu: "Voir la carte",
    unavailable: "plus disponible",
    left: "restantes",
    allergens: "Allergènes :",
    extras: "Suppléments",
    login: "Se connecter",
    logout: "Se déconnecter",
    email: "Adresse e-mail",
    password: "Mot de passe",
    login_failed: "E-mail ou mot de passe incorrect.",
    online: "En direct",
    connecting: "Connexion…",
    offline: "Hors ligne — reconnexion automatique",
    loading: "Chargement…",
    load_failed: "Impossible de charger. Nouvel essai dans un instant.",
    not_found: "Page introuvable.",
    back_to_shops: "← Toutes les pizzerias",
    switch_language: "English",
};

static EN: Texts = Texts {
    app_name: "OC Pizza",
    shops_title: "Choose your pizzeria",
    open: "Open",
    closed: "Closed",
    paused: "Not taking orders",
    see_menu: "See the menu",
    unavailable: "sold out",
    left: "left",
    allergens: "Allergens:",
    extras: "Extras",
    login: "Log in",
    logout: "Log out",
    email: "E-mail address",
    password: "Password",
    login_failed: "Wrong e-mail or password.",
    online: "Live",
    connecting: "Connecting…",
    offline: "Offline — reconnecting by itself",
    loading: "Loading…",
    load_failed: "Could not load. Trying again shortly.",
    not_found: "Page not found.",
    back_to_shops: "← All pizzerias",
    switch_language: "Français",
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn french_is_the_default_and_english_follows_the_browser() {
        assert_eq!(Lang::from_tag("fr-FR"), Lang::Fr);
        assert_eq!(Lang::from_tag("de-DE"), Lang::Fr);
        assert_eq!(Lang::from_tag("en-GB"), Lang::En);
        assert_eq!(Lang::Fr.other().texts().switch_language, "Français");
    }
}

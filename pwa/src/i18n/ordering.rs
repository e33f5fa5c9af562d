//! Texts of ordering: the extras offered on the menu, the way to the cart from the sticky bar,
//! the thank-you after placing an order, and the sizes' labels in English.

use super::Lang;

/// Every text of ordering added around the menu, cart and tracker.
#[derive(Debug)]
#[allow(missing_docs)]
pub struct OrderingTexts {
    pub with_extras: &'static str,
    pub choose_size: &'static str,
    pub choose_extras: &'static str,
    pub add_these: &'static str,
    pub added: &'static str,
    pub see_cart: &'static str,
    pub thanks: &'static str,
    pub kitchen_next: &'static str,
    pub we_tell_pickup: &'static str,
    pub we_tell_delivery: &'static str,
    pub change_until: &'static str,
}

impl Lang {
    /// The ordering texts in this language.
    pub fn ordering(self) -> &'static OrderingTexts {
        match self {
            Lang::Fr => &FR,
            Lang::En => &EN,
        }
    }

    /// A size's label as the menu gives it (in French, "Moyenne 29 cm"), in this language:
    /// the size's name translated, its diameter kept.
    pub fn size_label(self, code: &str, label: &str) -> String {
        let french = Lang::Fr.size(code);
        match (self, label.strip_prefix(french.as_str())) {
            (Lang::Fr, _) => label.to_owned(),
            // A size the interface has no name for: the catalogue's words.
            (Lang::En, _) if french == code => label.to_owned(),
            (Lang::En, Some(rest)) => format!("{}{rest}", self.size(code)),
            (Lang::En, None) => self.size(code),
        }
    }
}

const FR: OrderingTexts = OrderingTexts {
    with_extras: "Avec suppléments…",
    choose_size: "Taille",
    choose_extras: "Suppléments",
    add_these: "Ajouter au panier",
    added: "Ajoutée au panier.",
    see_cart: "Voir le panier",
    thanks: "Merci ! Votre commande est bien reçue.",
    kitchen_next: "La cuisine va commencer à la préparer dans un instant.",
    we_tell_pickup: "Cette page vous dit quand elle est prête à emporter.",
    we_tell_delivery: "Cette page vous dit quand elle part en livraison, puis où est le livreur.",
    change_until: "Vous pouvez la modifier ou l'annuler ci-dessous jusqu'à ce que la cuisine la commence.",
};

const EN: OrderingTexts = OrderingTexts {
    with_extras: "With extras…",
    choose_size: "Size",
    choose_extras: "Extras",
    add_these: "Add to cart",
    added: "Added to the cart.",
    see_cart: "See the cart",
    thanks: "Thank you! Your order is in.",
    kitchen_next: "The kitchen will start preparing it in a moment.",
    we_tell_pickup: "This page tells you when it is ready to collect.",
    we_tell_delivery: "This page tells you when it leaves for delivery, then where the driver is.",
    change_until: "You can change or cancel it below until the kitchen starts it.",
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn size_labels_are_translated_and_keep_their_diameter() {
        assert_eq!(
            Lang::En.size_label("medium", "Moyenne 29 cm"),
            "Medium 29 cm"
        );
        assert_eq!(
            Lang::Fr.size_label("medium", "Moyenne 29 cm"),
            "Moyenne 29 cm"
        );
        assert_eq!(Lang::En.size_label("large", "XL"), "Large");
        assert_eq!(
            Lang::En.size_label("family", "Familiale 40 cm"),
            "Familiale 40 cm"
        );
    }
}
